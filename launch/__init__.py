"""The composition root: prepares the database, index and model, then starts and supervises the
servers (``python -m launch.launcher run|cluster|prepare``). Nothing in the installed packages
imports it except ``bot.evaluate_nlu``, a command-line measurement that trains through it."""
