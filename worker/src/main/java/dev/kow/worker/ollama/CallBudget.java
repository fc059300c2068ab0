package dev.kow.worker.ollama;

import java.time.Duration;

/**
 * The time budgets of one call.
 *
 * @param timeToFirstToken from sending the request to the first chunk (covers a cold
 * load, queueing and prefill)
 * @param streamStall longest gap between two chunks
 * @param total the whole call
 * @param overtakenFirstToken from sending the request to the first chunk once a call sent
 * after it to the same model on the same host has had its first (see
 * {@link RunnerActivity}); at most {@code timeToFirstToken}, and equal to it when that
 * evidence is not to be used
 */
public record CallBudget(Duration timeToFirstToken, Duration streamStall, Duration total,
		Duration overtakenFirstToken) {

	/**
	 * Checks that the overtaken budget does not exceed the first-token budget.
	 * @throws IllegalArgumentException when it does
	 */
	public CallBudget {
		if (overtakenFirstToken.compareTo(timeToFirstToken) > 0) {
			throw new IllegalArgumentException(
					"overtakenFirstToken " + overtakenFirstToken + " exceeds timeToFirstToken " + timeToFirstToken);
		}
	}

	/**
	 * A budget that does not use other calls to the same runner as evidence.
	 * @param timeToFirstToken from sending the request to the first chunk
	 * @param streamStall longest gap between two chunks
	 * @param total the whole call
	 */
	public CallBudget(Duration timeToFirstToken, Duration streamStall, Duration total) {
		this(timeToFirstToken, streamStall, total, timeToFirstToken);
	}
}
