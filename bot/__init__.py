"""policybot: answers questions from a council's IT and social-media policy, quoting it verbatim."""

__version__ = "0.1.0"
