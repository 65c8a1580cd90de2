"""The one exception a user's bad input turns into.

Every message is written for a student reading it on a projected page: say what was wrong and what to do.
"""


class InputError(ValueError):
    """Bad user input (text, image, upload, model name, number): the message is shown in the page as is."""
