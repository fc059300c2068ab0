package dev.kow.worker.ollama;

import tools.jackson.databind.node.ObjectNode;

/**
 * One HTTP call to an Ollama host.
 *
 * @param path {@code /api/generate}, {@code /api/chat} or {@code /api/embed}
 * @param body the JSON body
 * @param model the model name, as sent
 */
public record OllamaCall(String path, ObjectNode body, String model) {

	/**
	 * @return whether the answer is one JSON object rather than an NDJSON stream
	 */
	public boolean embed() {
		return this.path.equals("/api/embed");
	}
}
