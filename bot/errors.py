"""The few named errors the core raises; adapters turn them into plain language."""


class PolicyBotError(Exception):
    """Base class: anything the user or installer can act on."""


class KnowledgeError(PolicyBotError):
    """A policy, phrasing or lexicon file is missing or malformed. The message names the file."""


class RuleError(KnowledgeError):
    """A rules file is malformed: the message names the file, the rule and the key."""


class InputError(PolicyBotError):
    """The user's question or draft cannot be used (empty, binary, ...)."""


class ModelError(PolicyBotError):
    """The embedding model could not be loaded."""


class StoreError(PolicyBotError):
    """The database could not be reached or written."""
