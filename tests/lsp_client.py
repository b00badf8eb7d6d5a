"""The language-server tests' client: a pytest-lsp client that also records every
publishDiagnostics with its version (``client.published``)."""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features


def make_client() -> LanguageClient:
    """A test client that also records every publishDiagnostics with its version."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []

    def publish(client: LanguageClient, params: lsp.PublishDiagnosticsParams):
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES,
                                   lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish})
    return client
