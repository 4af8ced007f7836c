"""Custom actions run by the Rasa action server (``rasa run actions --actions bot.actions``).

rasa-sdk imports every module of this package and registers the actions it finds.
"""
