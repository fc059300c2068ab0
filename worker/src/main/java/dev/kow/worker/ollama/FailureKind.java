package dev.kow.worker.ollama;

/**
 * Why an Ollama call failed, and whether another attempt can help.
 */
public enum FailureKind {
	/** 400: the request itself is wrong (bad option, capability missing). Terminal. */
	BAD_REQUEST(false, false),
	/** 404 {@code model 'x' not found}. Terminal. */
	MODEL_NOT_FOUND(false, false),
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

	/** @return whether another attempt may succeed */
	public boolean retryable() {
		return this.retryable;
	}

	/** @return whether it counts against the host's health (circuit breaker) */
	public boolean hostFault() {
		return this.hostFault;
	}
}
