package dev.kow.sim;

/**
 * Failures the simulator can inject into a request ({@code docs/ollama-behaviour.md},
 * "Errors" and "Streaming", lists the real ones). What each does is said in one place,
 * {@code FaultEffect.of}, an exhaustive switch: a new fault does not compile until it is
 * described there.
 */
public enum Fault {

	/** No fault: the request is answered normally. */
	NONE,

	/** 503 {@code server busy, please try again.  maximum pending requests exceeded}. */
	BUSY_503,
	/**
	 * 500 {@code llama runner process has terminated: exit status 2} before streaming.
	 */
	ERROR_500,
	/** The TCP connection is reset (RST) before any response byte. */
	CONNECTION_RESET,
	/**
	 * The stream stops sending after a few tokens and never resumes (the client must time
	 * out).
	 */
	STALL_MIDSTREAM,
	/**
	 * An {@code {"error":"an error was encountered while running the model: ..."}} line
	 * mid-stream, no final chunk.
	 */
	ERROR_LINE,
	/** The stream ends cleanly after a few tokens without a {@code done:true} chunk. */
	TRUNCATED_STREAM,
	/**
	 * The first token arrives only after {@link Faults#slowFirstToken()} extra (model
	 * time, multiplied by the time scale).
	 */
	SLOW_FIRST_TOKEN

}
