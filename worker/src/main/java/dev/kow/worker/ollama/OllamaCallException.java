package dev.kow.worker.ollama;

/**
 * An Ollama call failed. Carries the host, the {@link FailureKind}, the HTTP status (0
 * when none) and how many content chunks arrived before the failure. Expected and
 * frequent, so no stack trace.
 */
public final class OllamaCallException extends RuntimeException {

	private final String host;

	private final FailureKind kind;

	private final int status;

	private final int chunksBeforeFailure;

	/**
	 * @param host host id
	 * @param kind failure class
	 * @param status HTTP status or 0
	 * @param chunksBeforeFailure content chunks received before the failure
	 * @param message detail (Ollama's error text where there is one; never prompt text)
	 */
	public OllamaCallException(String host, FailureKind kind, int status, int chunksBeforeFailure, String message) {
		super(message, null, false, false);
		this.host = host;
		this.kind = kind;
		this.status = status;
		this.chunksBeforeFailure = chunksBeforeFailure;
	}

	/**
	 * @return host id
	 */
	public String host() {
		return this.host;
	}

	/**
	 * @return failure class
	 */
	public FailureKind kind() {
		return this.kind;
	}

	/**
	 * @return HTTP status, 0 when none arrived
	 */
	public int status() {
		return this.status;
	}

	/**
	 * @return content chunks received before the failure
	 */
	public int chunksBeforeFailure() {
		return this.chunksBeforeFailure;
	}

	@Override
	public String getMessage() {
		return this.kind + " from " + this.host + (this.status > 0 ? " (HTTP " + this.status + ")" : "") + ": "
				+ super.getMessage();
	}

}
