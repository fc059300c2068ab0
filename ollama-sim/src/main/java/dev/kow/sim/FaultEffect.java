package dev.kow.sim;

/**
 * What a {@link Fault} does to one inference request. Every fault is described here and
 * nowhere else; {@link #of} is an exhaustive switch with no default, so a new fault does
 * not compile until its effect is given.
 *
 * @param answer what the host answers before any work: normally, an error status, or a
 * reset connection
 * @param slowFirstToken whether {@link Faults#slowFirstToken()} is added before the first
 * token
 * @param ending how the answer ends once streaming
 * @param clientMayEnd whether an answer cut short ended because the client left (the
 * fault does not end the answer by itself)
 */
record FaultEffect(Answer answer, boolean slowFirstToken, Ending ending, boolean clientMayEnd) {

	/** What the host answers before any work. */
	enum Answer {

		/** Queue, load, prefill and stream as usual. */
		NORMALLY,
		/** 503 {@code server busy}. */
		BUSY_503,
		/** 500 {@code llama runner process has terminated}. */
		ERROR_500,
		/** A TCP reset before any byte. */
		RESET

	}

	/** How a streamed answer ends. */
	enum Ending {

		/** The final {@code done:true} chunk with the metrics. */
		COMPLETE,
		/** Nothing after a few chunks; the connection stays open. */
		STALL,
		/** An {@code {"error": ...}} line after a few chunks, no final chunk. */
		ERROR_LINE,
		/** The stream ends after a few chunks without a final chunk. */
		TRUNCATED

	}

	/**
	 * @param fault a fault
	 * @return its effect
	 */
	static FaultEffect of(Fault fault) {
		return switch (fault) {
			case NONE -> new FaultEffect(Answer.NORMALLY, false, Ending.COMPLETE, true);
			case BUSY_503 -> new FaultEffect(Answer.BUSY_503, false, Ending.COMPLETE, false);
			case ERROR_500 -> new FaultEffect(Answer.ERROR_500, false, Ending.COMPLETE, false);
			case CONNECTION_RESET -> new FaultEffect(Answer.RESET, false, Ending.COMPLETE, false);
			case STALL_MIDSTREAM -> new FaultEffect(Answer.NORMALLY, false, Ending.STALL, true);
			case ERROR_LINE -> new FaultEffect(Answer.NORMALLY, false, Ending.ERROR_LINE, false);
			case TRUNCATED_STREAM -> new FaultEffect(Answer.NORMALLY, false, Ending.TRUNCATED, false);
			case SLOW_FIRST_TOKEN -> new FaultEffect(Answer.NORMALLY, true, Ending.COMPLETE, true);
		};
	}

	/**
	 * @return whether the answer stops after a few chunks
	 */
	boolean endsMidstream() {
		return this.ending != Ending.COMPLETE;
	}

}
