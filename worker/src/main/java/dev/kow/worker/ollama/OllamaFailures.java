package dev.kow.worker.ollama;

import java.io.IOException;
import java.nio.channels.NotYetConnectedException;
import java.util.Locale;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Names what went wrong with an Ollama call: an HTTP error answer or a transport failure
 * becomes an {@link OllamaCallException} of one {@link FailureKind}. Pure functions; the
 * table of Ollama answers they cover is in {@code docs/ollama-behaviour.md} ("Errors"),
 * taken from Ollama's
 * <a href="https://github.com/ollama/ollama/blob/main/docs/api.md#errors">API docs</a>
 * and {@code server/routes.go}.
 */
public final class OllamaFailures {

	private static final ObjectMapper JSON = JsonMapper.builder().build();

	/** Longest part of a non-JSON error body kept in the message, chars. */
	private static final int MAX_BODY_CHARS = 300;

	private OllamaFailures() {
	}

	/**
	 * An HTTP error answer. Ollama's errors are {@code {"error": "<message>"}} with a
	 * real status:
	 * <ul>
	 * <li>404 with a JSON error: the model is unknown ({@code model 'x' not found}, or
	 * with double quotes on {@code /api/embed}); 404 without JSON
	 * ({@code 404 page not found}) is a wrong path or a proxy, a host problem;</li>
	 * <li>400: the request is wrong; when the message says the prompt or input exceeds
	 * the context length, {@link FailureKind#PROMPT_TOO_LONG};</li>
	 * <li>503:
	 * {@code server busy, please try again.  maximum pending requests exceeded};</li>
	 * <li>any other status (500 runner crash or load failure, 401/403 from a proxy, 502):
	 * a host problem.</li>
	 * </ul>
	 * @param host host id
	 * @param status HTTP status, not 200
	 * @param body the answer's body, possibly empty or not JSON
	 * @return the failure, with Ollama's error text as its message (at most 300 chars of
	 * a non-JSON body)
	 */
	public static OllamaCallException fromHttp(String host, int status, String body) {
		String message = body.length() > MAX_BODY_CHARS ? body.substring(0, MAX_BODY_CHARS) : body;
		boolean json = false;
		try {
			JsonNode node = JSON.readTree(body);
			if (node != null && node.hasNonNull("error")) {
				message = node.path("error").asString();
				json = true;
			}
		}
		catch (JacksonException notJson) {
			// plain text, for example "404 page not found" from a wrong path or a proxy
		}
		FailureKind kind;
		if (status == 404 && json) {
			kind = FailureKind.MODEL_NOT_FOUND;
		}
		else if (status == 400) {
			kind = contextOverflow(message) ? FailureKind.PROMPT_TOO_LONG : FailureKind.BAD_REQUEST;
		}
		else if (status == 503) {
			kind = FailureKind.SERVER_BUSY;
		}
		else {
			kind = FailureKind.SERVER_ERROR; // 5xx, and 401/403/404-without-JSON: a host
												// or proxy problem
		}
		return new OllamaCallException(host, kind, status, 0, message.isEmpty() ? "HTTP " + status : message);
	}

	/**
	 * Whether a 400's message says the prompt does not fit the context window: Ollama's
	 * {@code the prompt
	 * is longer than the context length ...},
	 * {@code the input length exceeds the context length} ({@code /api/embed} with
	 * {@code truncate:false}) and llama-server's
	 * {@code exceeds the available context size} (Ollama 0.30+).
	 */
	static boolean contextOverflow(String message) {
		String text = message.toLowerCase(Locale.ROOT);
		return text.contains("context length") || text.contains("context size") || text.contains("too long");
	}

	/**
	 * A failure that is not an HTTP error answer. I/O errors, a connection closed
	 * mid-response (Reactor Netty's {@code PrematureCloseException}) and a socket read
	 * before its connection completed (Netty's native transport reports a connect that
	 * failed in the handshake as {@link NotYetConnectedException}, an
	 * {@link IllegalStateException}) are {@link FailureKind#CONNECTION}; anything else is
	 * {@link FailureKind#PROTOCOL}. An {@link OllamaCallException} is returned as it is.
	 * @param host host id
	 * @param error what the transport or the parser raised
	 * @param chunks content chunks received before it
	 * @return the failure
	 */
	public static OllamaCallException fromTransport(String host, Throwable error, int chunks) {
		if (error instanceof OllamaCallException known) {
			return known;
		}
		if (error instanceof IOException || error.getCause() instanceof IOException
				|| error instanceof NotYetConnectedException || error.getCause() instanceof NotYetConnectedException
				|| error.getClass().getName().contains("PrematureClose")) {
			return new OllamaCallException(host, FailureKind.CONNECTION, 0, chunks, error.toString());
		}
		return new OllamaCallException(host, FailureKind.PROTOCOL, 0, chunks, error.toString());
	}

}
