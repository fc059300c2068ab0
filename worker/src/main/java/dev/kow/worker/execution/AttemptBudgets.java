package dev.kow.worker.execution;

import java.time.Duration;
import java.time.Instant;

import dev.kow.avro.InferenceRequest;
import dev.kow.avro.Mode;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.job.Job;
import dev.kow.worker.ollama.CallBudget;
import dev.kow.worker.timeouts.TimeoutEstimator;

/**
 * The time budgets of one attempt: what {@link TimeoutEstimator} learned (or its static
 * budgets) for the host and model, with the total cut to what is left before the job's
 * deadline. Embeddings stream nothing, so all three budgets are the total.
 */
final class AttemptBudgets {

	private final TimeoutEstimator timeouts;

	/**
	 * @param timeouts the learned budgets
	 */
	AttemptBudgets(TimeoutEstimator timeouts) {
		this.timeouts = timeouts;
	}

	/**
	 * @param job the job
	 * @param host where the attempt goes
	 * @param now the wall-clock time of dispatch
	 * @return the attempt's budgets; a total of at least 1 ms
	 */
	CallBudget of(Job job, OllamaHost host, Instant now) {
		InferenceRequest request = job.request();
		Integer numPredict = request.getOptions() == null ? null : request.getOptions().getNumPredict();
		CallBudget learned = this.timeouts.budget(host.id(), job.model(), promptChars(request), numPredict,
				host.isWarm(job.model()));
		Duration total = learned.total();
		Instant deadline = request.getDeadline();
		if (deadline != null) {
			Duration left = Duration.between(now, deadline);
			if (left.compareTo(total) < 0) {
				total = left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left;
			}
		}
		if (request.getMode() == Mode.EMBED) {
			return new CallBudget(total, total, total);
		}
		Duration firstToken = min(learned.timeToFirstToken(), total);
		return new CallBudget(firstToken, learned.streamStall(), total, min(learned.overtakenFirstToken(), firstToken));
	}

	/**
	 * @return characters of text the request sends: prompt, system, messages and inputs
	 */
	private static long promptChars(InferenceRequest request) {
		long chars = length(request.getPrompt()) + length(request.getSystem());
		for (var message : request.getMessages()) {
			chars += length(message.getContent());
		}
		for (String input : request.getInputs()) {
			chars += length(input);
		}
		return chars;
	}

	private static long length(String text) {
		return text == null ? 0 : text.length();
	}

	private static Duration min(Duration a, Duration b) {
		return a.compareTo(b) <= 0 ? a : b;
	}

}
