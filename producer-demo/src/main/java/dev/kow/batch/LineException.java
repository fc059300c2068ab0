package dev.kow.batch;

/** A batch line that cannot be submitted; the message says why (never prompt text). */
public final class LineException extends Exception {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what is wrong with the line
	 */
	public LineException(String message) {
		super(message);
	}

}
