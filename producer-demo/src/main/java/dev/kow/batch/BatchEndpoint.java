package dev.kow.batch;

import java.util.Optional;

import dev.kow.avro.Mode;

/**
 * The endpoints a batch line may name: OpenAI Batch's three ({@code url} of the input
 * line), each served by the Ollama endpoint that Ollama's own OpenAI-compatible layer
 * uses for it ({@code openai/openai.go}), and Ollama's native three.
 */
public enum BatchEndpoint {

	/** OpenAI {@code /v1/chat/completions}, served by Ollama {@code /api/chat}. */
	CHAT_COMPLETIONS("/v1/chat/completions", Mode.CHAT, true),
	/** OpenAI {@code /v1/completions}, served by Ollama {@code /api/generate}. */
	COMPLETIONS("/v1/completions", Mode.GENERATE, true),
	/** OpenAI {@code /v1/embeddings}, served by Ollama {@code /api/embed}. */
	EMBEDDINGS("/v1/embeddings", Mode.EMBED, true),
	/** Ollama {@code /api/chat}. */
	OLLAMA_CHAT("/api/chat", Mode.CHAT, false),
	/** Ollama {@code /api/generate}. */
	OLLAMA_GENERATE("/api/generate", Mode.GENERATE, false),
	/** Ollama {@code /api/embed}. */
	OLLAMA_EMBED("/api/embed", Mode.EMBED, false);

	private final String url;

	private final Mode mode;

	private final boolean openAi;

	BatchEndpoint(String url, Mode mode, boolean openAi) {
		this.url = url;
		this.mode = mode;
		this.openAi = openAi;
	}

	/**
	 * @return the URL path as written in a batch line, for example
	 * {@code /v1/chat/completions}
	 */
	public String url() {
		return this.url;
	}

	/**
	 * @return the Ollama endpoint that serves it
	 */
	public Mode mode() {
		return this.mode;
	}

	/**
	 * @return whether lines and results are in OpenAI's shape
	 */
	public boolean openAi() {
		return this.openAi;
	}

	/**
	 * @param url a line's {@code url}
	 * @return the endpoint, or empty when it is none of the six
	 */
	public static Optional<BatchEndpoint> ofUrl(String url) {
		for (BatchEndpoint endpoint : values()) {
			if (endpoint.url.equals(url)) {
				return Optional.of(endpoint);
			}
		}
		return Optional.empty();
	}

}
