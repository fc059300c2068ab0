package dev.kow.worker.telemetry;

import java.net.URI;

import dev.kow.avro.Mode;
import org.jspecify.annotations.Nullable;

/**
 * Names of the OpenTelemetry GenAI semantic conventions the worker follows, from <a href=
 * "https://github.com/open-telemetry/semantic-conventions-genai/blob/main/docs/gen-ai/client-inference.md">open-telemetry/semantic-conventions-genai,
 * {@code docs/gen-ai/client-inference.md}</a> (status Development, as read on 2026-12-05;
 * the conventions left the main semantic-conventions repository after v1.41.0 and renamed
 * the client metrics to {@code gen_ai.client.inference.*}). Attribute values are lower
 * case.
 */
public final class GenAi {

	/**
	 * Span and metric attribute: {@code chat}, {@code text_completion} or
	 * {@code embeddings}.
	 */
	public static final String OPERATION = "gen_ai.operation.name";

	/** Span and metric attribute: always {@value #OLLAMA}. */
	public static final String PROVIDER = "gen_ai.provider.name";

	/** The provider name for Ollama (not a well-known value of the conventions). */
	public static final String OLLAMA = "ollama";

	/** Span and metric attribute: the model as the request names it. */
	public static final String REQUEST_MODEL = "gen_ai.request.model";

	/** Span and metric attribute: the host's address (from its URL). */
	public static final String SERVER_ADDRESS = "server.address";

	/** Span and metric attribute: the host's port (from its URL). */
	public static final String SERVER_PORT = "server.port";

	/** Span and metric attribute: the failure class, lower case, when the call failed. */
	public static final String ERROR_TYPE = "error.type";

	/** Span attribute: Ollama's {@code prompt_eval_count}, tokens. */
	public static final String INPUT_TOKENS = "gen_ai.usage.input_tokens";

	/** Span attribute: Ollama's {@code eval_count}, tokens. */
	public static final String OUTPUT_TOKENS = "gen_ai.usage.output_tokens";

	/** Span attribute: Ollama's {@code done_reason}, as a one-element list. */
	public static final String FINISH_REASONS = "gen_ai.response.finish_reasons";

	/** Span attribute: whether the call streamed (generate and chat do). */
	public static final String STREAM = "gen_ai.request.stream";

	/** Span attribute: time to the first streamed chunk, s. */
	public static final String TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk";

	/** Histogram, s: each inference call (one attempt). */
	public static final String DURATION_METRIC = "gen_ai.client.inference.duration";

	/** Histogram, s: request sent to first streamed chunk. */
	public static final String TIME_TO_FIRST_CHUNK_METRIC = "gen_ai.client.inference.time_to_first_chunk";

	/** Counter, tokens: Ollama's {@code prompt_eval_count} of successful calls. */
	public static final String INPUT_TOKENS_METRIC = "gen_ai.client.inference.usage.input_tokens";

	/** Counter, tokens: Ollama's {@code eval_count} of successful calls. */
	public static final String OUTPUT_TOKENS_METRIC = "gen_ai.client.inference.usage.output_tokens";

	private GenAi() {
	}

	/**
	 * @param mode the request's mode; null is read as GENERATE
	 * @return the {@code gen_ai.operation.name}: {@code text_completion} for
	 * {@code /api/generate}, {@code chat} for {@code /api/chat}, {@code embeddings} for
	 * {@code /api/embed}
	 */
	public static String operation(@Nullable Mode mode) {
		return switch (mode == null ? Mode.GENERATE : mode) {
			case CHAT -> "chat";
			case EMBED -> "embeddings";
			case GENERATE -> "text_completion";
		};
	}

	/**
	 * @param url a host's base URL
	 * @return its port, or the scheme's default (80, 443)
	 */
	public static int port(URI url) {
		if (url.getPort() > 0) {
			return url.getPort();
		}
		return "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
	}

	/**
	 * @param url a host's base URL
	 * @return its host name or address, or empty
	 */
	public static String address(URI url) {
		String host = url.getHost();
		return host == null ? "" : host;
	}

}
