package dev.kow.worker.hosts;

/**
 * How an attempt on a slot ended, as far as its host is concerned: what
 * {@link HostPool#release} feeds to the host's circuit breaker, adaptive limit,
 * warm-model set and failure rate, all in one place.
 */
public sealed interface AttemptEnd {

	/**
	 * The host answered.
	 *
	 * @param model normalised name of the model that answered, now believed loaded on the
	 * host
	 * @param evalCount tokens generated (Ollama's {@code eval_count}); 0 for embeddings
	 * @param evalDurationNanos time spent generating them, ns (Ollama's
	 * {@code eval_duration})
	 */
	record Answered(String model, int evalCount, long evalDurationNanos) implements AttemptEnd {
	}

	/**
	 * The host refused the request for the request's own reasons (400, 404 unknown
	 * model): not a host fault, so it counts as a success for the breaker and the failure
	 * rate.
	 */
	record Refused() implements AttemptEnd {
	}

	/**
	 * The host failed: connection, 5xx, a timeout, a stall, an error line or a truncated
	 * stream.
	 *
	 * @param error the failure, for the breaker's record
	 * @param busy whether it was Ollama's 503 {@code server busy}, which also lowers the
	 * adaptive limit
	 */
	record HostFailed(Throwable error, boolean busy) implements AttemptEnd {
	}

	/**
	 * The attempt was given up before an answer (preempted, partition revoked, shutdown).
	 */
	record Abandoned() implements AttemptEnd {
	}

	/** The one {@link Refused} value. */
	AttemptEnd REFUSED = new Refused();

	/** The one {@link Abandoned} value. */
	AttemptEnd ABANDONED = new Abandoned();

}
