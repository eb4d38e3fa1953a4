"""The Microsoft Graph calendar element (key `microsoftgraph`, id 5836, hub `general`)."""

from openelements.elements.microsoftgraph.element import MicrosoftGraphElement, NewTokenRejected
from openelements.elements.microsoftgraph.graph_client import encode_segment

__all__ = ["MicrosoftGraphElement", "NewTokenRejected", "encode_segment"]
