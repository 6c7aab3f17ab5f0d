"""Errors that are the user's to fix (arguments, configuration, a database to upgrade): every
command reports them in one line and exits with the usage code. A module of its own, with no
imports, so that the command line can catch them without loading what raises them."""


class UsageError(Exception):
    pass
