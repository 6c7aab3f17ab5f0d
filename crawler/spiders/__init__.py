"""One generic spider per CMS family (crawler.spiders.families), driven by settings/portals/*.yaml."""
