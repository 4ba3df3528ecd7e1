"""An OpenAI-compatible `/v1/chat/completions` endpoint as the investigator's `LanguageModel`:
llama.cpp, vLLM and Ollama by URL, or Azure OpenAI (its `api-key` header and `api-version`)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from shared.prompts.language import Completion, ModelError


class OpenAIChatModel:
    """One model behind an OpenAI-compatible chat endpoint; the API key is sent, never kept in
    a name, an error or a log."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str,
        api_key: str = "",
        timeout_seconds: float = 20,
        azure_api_version: str = "",
    ) -> None:
        self._url = _endpoint(base_url, azure_api_version)
        self._model = model
        self._api_key = api_key
        self._azure = bool(azure_api_version)
        self._timeout = timeout_seconds
        self.name = f"openai:{model}@{base_url.rstrip('/')}"

    def complete(
        self,
        *,
        system: str,
        prompt: str,
        max_tokens: int,
        temperature: float,
        metadata: Mapping[str, str],
    ) -> Completion:
        """The answer; ModelError when the endpoint refuses, fails, times out or is empty."""
        body = {
            "model": self._model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": prompt},
            ],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        del metadata  # not sent: OpenAI refuses it unless the completion is stored
        started = time.monotonic()
        answer = self._post(json.dumps(body).encode())
        return _completion(self.name, answer, round((time.monotonic() - started) * 1000))

    def _post(self, data: bytes) -> Any:
        request = urllib.request.Request(  # noqa: S310  the URL is the operator's configuration
            self._url, data=data, headers=self._headers(), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise ModelError(f"{self.name} answered HTTP {error.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise ModelError(f"{self.name} did not answer: {type(error).__name__}") from None
        except ValueError:  # not JSON
            raise ModelError(f"{self.name} answered something that is not JSON") from None

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._api_key and self._azure:
            headers["api-key"] = self._api_key
        elif self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers


def _endpoint(base_url: str, azure_api_version: str) -> str:
    """`<base>/chat/completions` (the base ends in `/v1`, or is Azure's deployment URL)."""
    url = base_url.rstrip("/")
    if not azure_api_version and not url.endswith("/v1"):
        url += "/v1"
    url += "/chat/completions"
    return f"{url}?{urlencode({'api-version': azure_api_version})}" if azure_api_version else url


def _completion(name: str, answer: Any, latency_ms: int) -> Completion:
    tokens = _usage(answer)  # an answer's tokens were billed, usable or not
    try:
        choice = answer["choices"][0]
        text = str(choice["message"].get("content") or "").strip()
        stop = str(choice.get("finish_reason") or "")
    except (KeyError, IndexError, TypeError, AttributeError, ValueError):
        raise ModelError(f"{name} answered in an unknown shape", **tokens) from None
    if stop == "content_filter":
        raise ModelError(f"{name} refused (content_filter)", **tokens)
    if not text:
        raise ModelError(f"{name} answered with no text ({stop or 'no finish reason'})", **tokens)
    return Completion(text=text, latency_ms=latency_ms, stop_reason=stop, **tokens)


def _usage(answer: Any) -> dict[str, int]:
    """The tokens an answer reported, in and out (none where it says none readably)."""
    try:
        usage = answer.get("usage") or {}
        return {
            "input_tokens": int(usage.get("prompt_tokens", 0)),
            "output_tokens": int(usage.get("completion_tokens", 0)),
        }
    except (TypeError, AttributeError, ValueError):
        return {"input_tokens": 0, "output_tokens": 0}
