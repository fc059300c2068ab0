package dev.kow.worker.ollama;

import java.util.Map;

import tools.jackson.databind.node.ObjectNode;

/**
 * One HTTP call to an Ollama host.
 *
 * @param path {@code /api/generate}, {@code /api/chat} or {@code /api/embed}
 * @param body the JSON body
 * @param model the model name, as sent
 * @param headers extra HTTP headers: the W3C trace context ({@code traceparent},
 * {@code tracestate}) of the attempt; Ollama ignores them, a tracing proxy in front of it
 * continues the trace
 */
public record OllamaCall(String path, ObjectNode body, String model, Map<String, String> headers) {

	/** Copies the headers. */
	public OllamaCall {
		headers = Map.copyOf(headers);
	}

	/**
	 * A call without extra headers.
	 * @param path the API path
	 * @param body the JSON body
	 * @param model the model name, as sent
	 */
	public OllamaCall(String path, ObjectNode body, String model) {
		this(path, body, model, Map.of());
	}

	/**
	 * @param extra headers to send with the call
	 * @return this call with those headers
	 */
	public OllamaCall withHeaders(Map<String, String> extra) {
		return new OllamaCall(this.path, this.body, this.model, extra);
	}

	/**
	 * @return whether the answer is one JSON object rather than an NDJSON stream
	 */
	public boolean embed() {
		return this.path.equals("/api/embed");
	}
}
