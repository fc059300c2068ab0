package dev.kow.worker.execution;

import dev.kow.worker.ollama.OllamaAnswer;
import dev.kow.worker.ollama.OllamaCallException;

/**
 * What one Ollama call of an attempt ended with, before the worker decides what follows.
 */
public sealed interface CallResult {

	/**
	 * @param answer the host's complete answer
	 */
	record Answered(OllamaAnswer answer) implements CallResult {
	}

	/**
	 * @param failure the named failure ({@code OllamaFailures})
	 */
	record Errored(OllamaCallException failure) implements CallResult {
	}

	/**
	 * The worker stopped the call (its subscription was cancelled).
	 *
	 * @param preempted true when a higher-priority job took the slot, false when the job
	 * was cancelled (partition revoked, shutdown)
	 */
	record Stopped(boolean preempted) implements CallResult {
	}

}
