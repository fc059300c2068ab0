package dev.kow.worker.ollama;

import dev.kow.avro.ErrorCategory;

/**
 * Why an Ollama call failed, whether another attempt can help, and whether it counts
 * against the host. {@link OllamaFailures} names the failure from an HTTP answer or a
 * transport error; see {@code docs/ollama-behaviour.md} ("Errors") for the Ollama answers
 * behind each kind.
 */
public enum FailureKind {

	/** 400: the request itself is wrong (bad option, capability missing). Terminal. */
	BAD_REQUEST(false, false),
	/** 404 {@code model 'x' not found}. Terminal. */
	MODEL_NOT_FOUND(false, false),
	/**
	 * 400 because the prompt does not fit the model's context window (sent with
	 * {@code truncate:false}, or a model without context shift). Terminal.
	 */
	PROMPT_TOO_LONG(false, false),
	/** 503 {@code server busy}: the host's pending queue is full. Retryable. */
	SERVER_BUSY(true, true),
	/** Any other 5xx, for example a runner crash. Retryable. */
	SERVER_ERROR(true, true),
	/** Connection refused, reset or closed before the answer ended. Retryable. */
	CONNECTION(true, true),
	/** No first chunk within the time-to-first-token budget. Retryable. */
	TTFT_TIMEOUT(true, true),
	/** A gap between chunks longer than the stall budget. Retryable. */
	STREAM_STALL(true, true),
	/** The whole call exceeded its total budget. Retryable. */
	TOTAL_TIMEOUT(true, true),
	/** An {@code {"error": ...}} line arrived mid-stream. Retryable. */
	STREAM_ERROR(true, true),
	/** The stream ended without a {@code done:true} chunk. Retryable. */
	TRUNCATED(true, true),
	/** The answer could not be parsed. Retryable once more, on another host. */
	PROTOCOL(true, true);

	private final boolean retryable;

	private final boolean hostFault;

	FailureKind(boolean retryable, boolean hostFault) {
		this.retryable = retryable;
		this.hostFault = hostFault;
	}

	/**
	 * @return whether another attempt may succeed
	 */
	public boolean retryable() {
		return this.retryable;
	}

	/**
	 * @return whether it counts against the host's health (circuit breaker)
	 */
	public boolean hostFault() {
		return this.hostFault;
	}

	/**
	 * @return the dead-letter reason of a job that ends with this failure: its own
	 * category for the terminal kinds; {@link ErrorCategory#RETRIES_EXHAUSTED} for the
	 * retryable ones (which end a job only when its attempts are used up)
	 */
	public ErrorCategory category() {
		return switch (this) {
			case BAD_REQUEST -> ErrorCategory.BAD_REQUEST;
			case MODEL_NOT_FOUND -> ErrorCategory.UNKNOWN_MODEL;
			case PROMPT_TOO_LONG -> ErrorCategory.PROMPT_TOO_LONG;
			case SERVER_BUSY, SERVER_ERROR, CONNECTION, TTFT_TIMEOUT, STREAM_STALL, TOTAL_TIMEOUT, STREAM_ERROR,
					TRUNCATED, PROTOCOL ->
				ErrorCategory.RETRIES_EXHAUSTED;
		};
	}

}
