package dev.kow.worker.scheduling;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import dev.kow.avro.Mode;
import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.job.Job;
import dev.kow.worker.ollama.ModelNames;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * Lets a waiting high-priority job take the slot of a lower-priority job that has only just started,
 * when every slot it could use is busy.
 *
 * <p>Ollama has no request priority and queues FIFO, so without preemption a high-priority job waits
 * for the first slot to free naturally: about the mean service time divided by the busy slots, and at
 * p99 several times that. Preemption closes the victim's stream; Ollama stops decoding within about
 * one token (its request context is cancelled when the connection closes, see ollama-api.md, "Client
 * disconnect"), and the victim goes back to the front of its lane. The cost is the victim's slot time
 * so far, so the victim is the lower-lane attempt that started last, and only one that:
 * <ul>
 * <li>has streamed at least one chunk: Ollama finishes a prefill even after the client left, so a
 * victim still in prefill would not free its slot at once;</li>
 * <li>has run at most {@code max-victim-age};</li>
 * <li>has been preempted fewer than {@code max-per-job} times, so a lower-lane job cannot be held back
 * indefinitely by a steady stream of high-priority work;</li>
 * <li>runs on a host whose breaker is closed, that serves the waiting job's model with it already
 * loaded (no model swap), and where freeing one call frees a slot within this worker's capacity.</li>
 * </ul>
 * Embeddings are never victims (they stream nothing before their answer). A preempted attempt is
 * recorded in the outcome as {@code PREEMPTED} and does not count against the retry budget.
 *
 * <p>Thread-safe: attempts are tracked in a concurrent map; {@link #preemptFor} is called by the
 * scheduler's single drain loop.
 */
public final class Preemption {

	private final HostPool pool;

	private final Set<Lane> lanes;

	private final long maxVictimAgeNanos;

	private final int maxPerJob;

	private final LongSupplier nanoClock;

	private final Map<Job, Running> running = new ConcurrentHashMap<>();

	/**
	 * @param pool the hosts, for their capacity and breakers
	 * @param lanes lanes whose jobs may preempt jobs of lower lanes; empty turns preemption off
	 * @param maxVictimAge an attempt that has run longer is never preempted
	 * @param maxPerJob how often one job may be preempted; 0 turns preemption off
	 * @param nanoClock monotonic clock, ns
	 */
	public Preemption(HostPool pool, Set<Lane> lanes, Duration maxVictimAge, int maxPerJob, LongSupplier nanoClock) {
		this.pool = pool;
		this.lanes = Set.copyOf(lanes);
		this.maxVictimAgeNanos = maxVictimAge.toNanos();
		this.maxPerJob = maxPerJob;
		this.nanoClock = nanoClock;
	}

	/**
	 * @param pool the hosts
	 * @return a preemption that never preempts
	 */
	public static Preemption off(HostPool pool) {
		return new Preemption(pool, Set.of(), Duration.ZERO, 0, System::nanoTime);
	}

	/**
	 * An attempt started.
	 * @param job the job
	 * @param host where it runs
	 */
	public void started(Job job, OllamaHost host) {
		if (this.maxPerJob > 0 && job.lane() != Lane.HIGH && job.request().getMode() != Mode.EMBED) {
			this.running.put(job, new Running(host, this.nanoClock.getAsLong()));
		}
	}

	/**
	 * The attempt's first stream line arrived: it is past its prefill.
	 * @param job the job
	 */
	public void streamed(Job job) {
		Running attempt = this.running.get(job);
		if (attempt != null) {
			attempt.streaming = true;
		}
	}

	/**
	 * The attempt ended, however.
	 * @param job the job
	 */
	public void ended(Job job) {
		this.running.remove(job);
	}

	/**
	 * Stops the best victim for a waiting job, if there is one. The victim's slot is released before
	 * this returns (its cancellation runs on this thread).
	 * @param waiting the job at the head of the lane the scheduler serves next, for which no slot is free
	 * @return whether a call was stopped
	 */
	public boolean preemptFor(Job waiting) {
		if (!this.lanes.contains(waiting.lane()) || this.running.isEmpty()) {
			return false;
		}
		String model = ModelNames.normalize(waiting.request().getModel());
		long now = this.nanoClock.getAsLong();
		Job victim = null;
		long youngest = Long.MAX_VALUE;
		for (Map.Entry<Job, Running> entry : this.running.entrySet()) {
			Job job = entry.getKey();
			Running attempt = entry.getValue();
			long age = now - attempt.startedNanos;
			if (age < youngest && age <= this.maxVictimAgeNanos && attempt.streaming
					&& job.lane().ordinal() > waiting.lane().ordinal() && job.preemptions() < this.maxPerJob
					&& frees(attempt.host, model)) {
				victim = job;
				youngest = age;
			}
		}
		if (victim == null) {
			return false;
		}
		this.running.remove(victim);
		return victim.preempt();
	}

	private boolean frees(OllamaHost host, String model) {
		return host.serves(model) && host.isWarm(model) && host.breaker().getState() == CircuitBreaker.State.CLOSED
				&& this.pool.inFlight(host) <= host.capacity();
	}

	/** An attempt that may be preempted; {@code streaming} is set on the client's event loop. */
	private static final class Running {

		final OllamaHost host;

		final long startedNanos;

		volatile boolean streaming;

		Running(OllamaHost host, long startedNanos) {
			this.host = host;
			this.startedNanos = startedNanos;
		}
	}
}
