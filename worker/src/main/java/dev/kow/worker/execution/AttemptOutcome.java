package dev.kow.worker.execution;

import java.time.Duration;

import dev.kow.avro.ErrorCategory;
import dev.kow.worker.ollama.FailureKind;
import dev.kow.worker.ollama.OllamaAnswer;

/**
 * What an attempt ended as, and so what happens to its job next. Decided by
 * {@link AttemptClassifier#classify} alone; {@link JobExecutor} only carries it out.
 */
public sealed interface AttemptOutcome {

	/**
	 * @param answer publish it as the job's result
	 */
	record Succeeded(OllamaAnswer answer) implements AttemptOutcome {
	}

	/**
	 * Try again: the job goes back to the front of its lane after {@code delay},
	 * preferring another host.
	 *
	 * @param delay the backoff, with full jitter
	 * @param kind the failure that is retried
	 */
	record Retry(Duration delay, FailureKind kind) implements AttemptOutcome {
	}

	/**
	 * The job fails for good: FAILED result and dead letter.
	 *
	 * @param category the dead-letter reason
	 * @param message detail (Ollama's error text; never prompt text)
	 */
	record Failed(ErrorCategory category, String message) implements AttemptOutcome {
	}

	/**
	 * The job's deadline passes before another attempt could start: EXPIRED result and
	 * dead letter.
	 *
	 * @param reason what passed and the last failure
	 */
	record Expired(String reason) implements AttemptOutcome {
	}

	/**
	 * A higher-priority job took the slot: the job goes back to the front of its lane at
	 * once, and the attempt does not count against {@code max-attempts}.
	 */
	record Preempted() implements AttemptOutcome {
	}

	/**
	 * The job was cancelled (partition revoked, shutdown): nothing is published; the next
	 * owner runs it.
	 */
	record Cancelled() implements AttemptOutcome {
	}

}
