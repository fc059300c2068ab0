package dev.kow.worker.intake;

import java.util.Set;
import java.util.regex.Pattern;

import dev.kow.avro.ChatMessage;
import dev.kow.avro.ErrorCategory;
import dev.kow.avro.InferenceRequest;
import dev.kow.worker.ollama.OllamaRequests;

/**
 * Checks a decoded request before it takes a slot. Each rule maps to a dead-letter reason:
 * <ul>
 * <li>INVALID_REQUEST: blank model; GENERATE with an empty prompt (Ollama would only load the model);
 * CHAT without messages or with an unknown role; EMBED without input; a {@code format} that is neither
 * {@code json} nor a JSON object; a {@code keep_alive} that is not a Go duration with a unit;</li>
 * <li>PROMPT_TOO_LONG: more characters of text than {@code worker.ollama.max-prompt-chars}.</li>
 * </ul>
 * Unknown models are not checked here: the host answers 404 and the job fails as UNKNOWN_MODEL.
 */
public final class RequestValidator {

	private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

	private static final Pattern KEEP_ALIVE = Pattern.compile("0|[-+]?((\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h))+");

	private final int maxPromptChars;

	/** @param maxPromptChars the longest accepted request text, chars */
	public RequestValidator(int maxPromptChars) {
		this.maxPromptChars = maxPromptChars;
	}

	/**
	 * @param request a decoded request
	 * @return null when valid, else why not
	 */
	public Rejection check(InferenceRequest request) {
		if (request.getModel().isBlank()) {
			return invalid("model is blank");
		}
		long chars = length(request.getPrompt()) + length(request.getSystem());
		switch (request.getMode()) {
			case GENERATE -> {
				if (request.getPrompt() == null || request.getPrompt().isBlank()) {
					return invalid("GENERATE needs a non-empty prompt");
				}
			}
			case CHAT -> {
				if (request.getMessages().isEmpty()) {
					return invalid("CHAT needs at least one message");
				}
				for (ChatMessage message : request.getMessages()) {
					if (!ROLES.contains(message.getRole().toLowerCase(java.util.Locale.ROOT))) {
						return invalid("unknown chat role '" + message.getRole() + "'");
					}
					chars += length(message.getContent());
				}
			}
			case EMBED -> {
				if ((request.getPrompt() == null || request.getPrompt().isEmpty()) && request.getInputs().isEmpty()) {
					return invalid("EMBED needs a prompt or inputs");
				}
				for (String input : request.getInputs()) {
					chars += length(input);
				}
			}
		}
		if (chars > this.maxPromptChars) {
			return new Rejection(ErrorCategory.PROMPT_TOO_LONG,
					"request text is " + chars + " chars, over worker.ollama.max-prompt-chars=" + this.maxPromptChars);
		}
		if (request.getFormat() != null) {
			try {
				OllamaRequests.format(request.getFormat());
			}
			catch (IllegalArgumentException ex) {
				return invalid(ex.getMessage());
			}
		}
		if (request.getKeepAlive() != null && !KEEP_ALIVE.matcher(request.getKeepAlive()).matches()) {
			return invalid("keep_alive '" + request.getKeepAlive() + "' is not a duration with a unit (e.g. 5m) or 0");
		}
		return null;
	}

	private static Rejection invalid(String message) {
		return new Rejection(ErrorCategory.INVALID_REQUEST, message);
	}

	private static long length(String text) {
		return text == null ? 0 : text.length();
	}
}
