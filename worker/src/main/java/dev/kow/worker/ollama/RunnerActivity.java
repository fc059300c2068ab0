package dev.kow.worker.ollama;

/**
 * What this worker sees of one Ollama runner (one model on one host): its calls, numbered
 * in the order they were sent, and the latest of them to have had its first line.
 *
 * <p>
 * A runner takes its requests first come, first served: its slot semaphore is FIFO in
 * order of arrival, and so is the pending queue of a model that is loading (server
 * behaviour: {@code docs/ollama-behaviour.md}, "Scheduling and concurrency"). A call
 * still waiting for its first token when a call sent after it to the same runner already
 * has its first line is therefore not queued, loading or prefilling: it is stuck.
 * {@link CallWatchdog} uses that to give up on such a call long before the first-token
 * budget, whose floor must cover queueing behind other clients.
 *
 * <p>
 * Thread-safe: first lines arrive on several event loops; calls start on any thread.
 */
final class RunnerActivity {

	private long callsSent;

	private long latestAnsweredCall;

	/**
	 * @return the number of a call sent now: one more than the call sent before it
	 */
	synchronized long callSent() {
		return ++this.callsSent;
	}

	/**
	 * @param call the number of a call (from {@link #callSent()}) whose first line just
	 * arrived
	 */
	synchronized void firstLineArrived(long call) {
		this.latestAnsweredCall = Math.max(this.latestAnsweredCall, call);
	}

	/**
	 * @param call a call's number
	 * @return whether a call sent after it has had its first line
	 */
	synchronized boolean firstLineAfter(long call) {
		return this.latestAnsweredCall > call;
	}

}
