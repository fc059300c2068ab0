package dev.kow.sim;

/**
 * An error answer the simulator gives before streaming starts, with Ollama's status and
 * text.
 */
final class SimHttpError extends RuntimeException {

	/** Ollama's queue-full text (two spaces after the full stop, as in the server). */
	static final String BUSY = "server busy, please try again.  maximum pending requests exceeded";

	private final int status;

	SimHttpError(int status, String message) {
		super(message, null, false, false);
		this.status = status;
	}

	int status() {
		return this.status;
	}

}
