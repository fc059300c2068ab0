package dev.kow.worker.intake;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import dev.kow.avro.ChatMessage;
import dev.kow.avro.ErrorCategory;
import dev.kow.avro.InferenceRequest;
import dev.kow.worker.ollama.OllamaRequests;

/**
 * Checks a decoded request before it takes a slot. Each rule maps to a dead-letter
 * reason:
 * <ul>
 * <li>INVALID_REQUEST: blank model; GENERATE with an empty prompt (Ollama would only load
 * the model); CHAT without messages or with an unknown role; EMBED without input; a
 * {@code format} that is neither {@code json} nor a JSON object; a {@code keep_alive}
 * that is not a Go duration with a unit;</li>
 * <li>PROMPT_TOO_LONG: more characters of text than
 * {@code worker.ollama.max-prompt-chars}.</li>
 * </ul>
 * Unknown models are not checked here: the host answers 404 and the job fails as
 * UNKNOWN_MODEL.
 */
public final class RequestValidator {

	private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

	private static final Pattern KEEP_ALIVE = Pattern.compile("0|[-+]?((\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h))+");

	private final int maxPromptChars;

	/**
	 * @param maxPromptChars the longest accepted request text, chars
	 */
	public RequestValidator(int maxPromptChars) {
		this.maxPromptChars = maxPromptChars;
	}

	/**
	 * @param request a decoded request
	 * @return empty when valid, else why not
	 */
	public Optional<Rejection> check(InferenceRequest request) {
		if (request.getModel().isBlank()) {
			return reject(ErrorCategory.INVALID_REQUEST, "model is blank");
		}
		long chars = length(request.getPrompt()) + length(request.getSystem());
		switch (request.getMode()) {
			case GENERATE -> {
				if (request.getPrompt() == null || request.getPrompt().isBlank()) {
					return reject(ErrorCategory.INVALID_REQUEST, "GENERATE needs a non-empty prompt");
				}
			}
			case CHAT -> {
				if (request.getMessages().isEmpty()) {
					return reject(ErrorCategory.INVALID_REQUEST, "CHAT needs at least one message");
				}
				for (ChatMessage message : request.getMessages()) {
					if (!ROLES.contains(message.getRole().toLowerCase(java.util.Locale.ROOT))) {
						return reject(ErrorCategory.INVALID_REQUEST, "unknown chat role '" + message.getRole() + "'");
					}
					chars += length(message.getContent());
				}
			}
			case EMBED -> {
				if ((request.getPrompt() == null || request.getPrompt().isEmpty()) && request.getInputs().isEmpty()) {
					return reject(ErrorCategory.INVALID_REQUEST, "EMBED needs a prompt or inputs");
				}
				for (String input : request.getInputs()) {
					chars += length(input);
				}
			}
		}
		if (chars > this.maxPromptChars) {
			return reject(ErrorCategory.PROMPT_TOO_LONG,
					"request text is " + chars + " chars, over worker.ollama.max-prompt-chars=" + this.maxPromptChars);
		}
		if (request.getFormat() != null) {
			try {
				OllamaRequests.format(request.getFormat());
			}
			catch (IllegalArgumentException ex) {
				return reject(ErrorCategory.INVALID_REQUEST, String.valueOf(ex.getMessage()));
			}
		}
		if (request.getKeepAlive() != null && !KEEP_ALIVE.matcher(request.getKeepAlive()).matches()) {
			return reject(ErrorCategory.INVALID_REQUEST,
					"keep_alive '" + request.getKeepAlive() + "' is not a duration with a unit (e.g. 5m) or 0");
		}
		return Optional.empty();
	}

	private static Optional<Rejection> reject(ErrorCategory category, String message) {
		return Optional.of(new Rejection(category, message));
	}

	private static long length(String text) {
		return text == null ? 0 : text.length();
	}

}
