package dev.kow.worker.execution;

import java.time.Duration;
import java.time.Instant;

import dev.kow.avro.ErrorCategory;
import dev.kow.worker.hosts.AttemptEnd;
import dev.kow.worker.ollama.FailureKind;
import dev.kow.worker.ollama.OllamaAnswer;
import dev.kow.worker.ollama.OllamaCallException;
import org.jspecify.annotations.Nullable;

/**
 * The one place that decides what an attempt ended as ({@link AttemptOutcome}) and what
 * it tells the host pool ({@link AttemptEnd}). Pure functions of their arguments.
 *
 * <p>
 * Rules, in order, for a failed call:
 * <ol>
 * <li>the job was cancelled meanwhile: {@link AttemptOutcome.Cancelled};</li>
 * <li>a terminal failure (400, 404 unknown model, prompt over the context length):
 * {@link AttemptOutcome.Failed} with the failure's category;</li>
 * <li>the backoff would reach the job's deadline: {@link AttemptOutcome.Expired};</li>
 * <li>the job has used {@code max-attempts} (preempted attempts do not count):
 * {@link AttemptOutcome.Failed} with {@link ErrorCategory#RETRIES_EXHAUSTED};</li>
 * <li>else {@link AttemptOutcome.Retry} after the backoff.</li>
 * </ol>
 */
public final class AttemptClassifier {

	private AttemptClassifier() {
	}

	/**
	 * What the job's attempt so far and its policy are, at the time the call ended.
	 *
	 * @param attempts attempts dispatched so far, this one and preempted ones included
	 * @param countedAttempts attempts that count against the retry budget, this one
	 * included
	 * @param deadline the request's deadline, or null for none
	 * @param now the wall-clock time
	 * @param backoff the backoff before the next attempt (jitter already applied)
	 * @param maxAttempts {@code worker.ollama.retry.max-attempts}
	 * @param cancelled whether the job was cancelled
	 */
	public record Context(int attempts, int countedAttempts, @Nullable Instant deadline, Instant now, Duration backoff,
			int maxAttempts, boolean cancelled) {
	}

	/**
	 * @param result how the call ended
	 * @param context the job's state and policy
	 * @return what the attempt ended as
	 */
	public static AttemptOutcome classify(CallResult result, Context context) {
		return switch (result) {
			case CallResult.Answered answered -> new AttemptOutcome.Succeeded(answered.answer());
			case CallResult.Stopped stopped -> stopped.preempted() && !context.cancelled()
					? new AttemptOutcome.Preempted() : new AttemptOutcome.Cancelled();
			case CallResult.Errored errored -> failed(errored.failure(), context);
		};
	}

	private static AttemptOutcome failed(OllamaCallException failure, Context context) {
		if (context.cancelled()) {
			return new AttemptOutcome.Cancelled();
		}
		if (!failure.kind().retryable()) {
			return new AttemptOutcome.Failed(failure.kind().category(), failure.getMessage());
		}
		Instant deadline = context.deadline();
		if (deadline != null && !context.now().plus(context.backoff()).isBefore(deadline)) {
			return new AttemptOutcome.Expired("deadline " + deadline + " passes before attempt "
					+ (context.attempts() + 1) + "; last failure: " + failure.getMessage());
		}
		if (context.countedAttempts() >= context.maxAttempts()) {
			return new AttemptOutcome.Failed(ErrorCategory.RETRIES_EXHAUSTED,
					context.countedAttempts() + " attempts failed; last: " + failure.getMessage());
		}
		return new AttemptOutcome.Retry(context.backoff(), failure.kind());
	}

	/**
	 * @param result how the call ended
	 * @param model the job's normalised model name
	 * @return what the host pool learns from it
	 */
	public static AttemptEnd forHost(CallResult result, String model) {
		return switch (result) {
			case CallResult.Answered answered -> {
				OllamaAnswer answer = answered.answer();
				yield new AttemptEnd.Answered(model, answer.evalCount(), answer.evalDurationNanos());
			}
			case CallResult.Stopped stopped -> AttemptEnd.ABANDONED;
			case CallResult.Errored errored -> errored.failure().kind().hostFault()
					? new AttemptEnd.HostFailed(errored.failure(), errored.failure().kind() == FailureKind.SERVER_BUSY)
					: AttemptEnd.REFUSED;
		};
	}

}
