package dev.kow.worker.scheduling;

import java.time.Duration;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import dev.kow.avro.Mode;
import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.job.Job;
import dev.kow.worker.job.Lane;
import dev.kow.worker.job.LaneWeights;

/**
 * Lets a waiting high-priority job take the slot of a lower-priority job that has only
 * just started, when every slot it could use is busy.
 *
 * <p>
 * Ollama has no request priority and queues FIFO, so without preemption a high-priority
 * job waits for the first slot to free naturally: about the mean service time divided by
 * the busy slots, and at p99 several times that. Preemption closes the victim's stream;
 * Ollama stops decoding within about one token (its request context is cancelled when the
 * connection closes, see {@code docs/ollama-behaviour.md}, "Client disconnect"), and the
 * victim goes back to the front of its lane.
 *
 * <p>
 * <b>Within the weighted shares.</b> Preemption restores a lane's share quickly; it never
 * takes more. With the lanes that have work (waiting or running) and the usable slots, a
 * lane's share is {@code slots x weight / sum of their weights}. A waiting job may
 * preempt only while its lane runs fewer attempts than its share, and only an attempt of
 * a lane that runs more than its share. So a high-priority job arriving while batch fills
 * every slot starts at once, but a high-priority backlog does not stop batch work that is
 * within its share, and the scheduler's 8:3:1 holds.
 *
 * <p>
 * <b>Choice of victim.</b> The cost is the victim's slot time so far, so the victim is
 * the attempt that started last among those that:
 * <ul>
 * <li>belong to a lane lower than the waiting job's, running more than its share;</li>
 * <li>have streamed at least one chunk: Ollama finishes a prefill even after the client
 * left, so a victim still in prefill would not free its slot at once;</li>
 * <li>have run at most {@code max-victim-age};</li>
 * <li>have been preempted fewer than {@code max-per-job} times, so a lower-lane job
 * cannot be held back indefinitely by a steady stream of high-priority work;</li>
 * <li>run on a host whose breaker is closed, that serves the waiting job's model with it
 * already loaded (no model swap), and where freeing one call frees a slot within this
 * worker's capacity.</li>
 * </ul>
 * Embeddings are never victims (they stream nothing before their answer). A preempted
 * attempt is recorded in the outcome as {@code PREEMPTED} and does not count against the
 * retry budget.
 *
 * <p>
 * Thread-safe: attempts are tracked in a concurrent map; {@link #preemptFor} is called by
 * the scheduler's single drain loop.
 */
public final class Preemption {

	private final HostPool pool;

	private final Set<Lane> lanes;

	private final LaneWeights weights;

	private final long maxVictimAgeNanos;

	private final int maxPerJob;

	private final LongSupplier nanoClock;

	private final Map<Job, Running> running = new ConcurrentHashMap<>();

	/**
	 * @param pool the hosts, for their capacity and breakers
	 * @param lanes lanes whose jobs may preempt jobs of lower lanes; empty turns
	 * preemption off
	 * @param weights the scheduler's weight per lane
	 * @param maxVictimAge an attempt that has run longer is never preempted
	 * @param maxPerJob how often one job may be preempted; 0 turns preemption off
	 * @param nanoClock monotonic clock, ns
	 */
	public Preemption(HostPool pool, Set<Lane> lanes, LaneWeights weights, Duration maxVictimAge, int maxPerJob,
			LongSupplier nanoClock) {
		this.pool = pool;
		this.lanes = Set.copyOf(lanes);
		this.weights = weights;
		this.maxVictimAgeNanos = maxVictimAge.toNanos();
		this.maxPerJob = maxPerJob;
		this.nanoClock = nanoClock;
	}

	/**
	 * @param lane a lane
	 * @return whether its jobs may preempt jobs of lower lanes
	 */
	public boolean mayPreempt(Lane lane) {
		return this.maxPerJob > 0 && this.lanes.contains(lane);
	}

	/**
	 * An attempt started.
	 * @param job the job
	 * @param host where it runs
	 */
	public void started(Job job, OllamaHost host) {
		this.running.put(job, new Running(host, this.nanoClock.getAsLong()));
	}

	/**
	 * @return attempts running now, per host id and lane (what this worker holds, for the
	 * fleet's shared view)
	 */
	public Map<String, Map<Lane, Integer>> runningByHost() {
		Map<String, Map<Lane, Integer>> byHost = new HashMap<>();
		this.running.forEach((job, attempt) -> byHost.computeIfAbsent(attempt.host.id(), h -> new EnumMap<>(Lane.class))
			.merge(job.lane(), 1, Integer::sum));
		return byHost;
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
	 * Stops the best victim for a waiting job, if there is one. The victim's slot is
	 * released before this returns (its cancellation runs on this thread).
	 * @param waiting the head of the most urgent lane that may preempt, while no slot is
	 * free
	 * @param waitingPerLane jobs waiting in each lane
	 * @return whether a call was stopped
	 */
	public boolean preemptFor(Job waiting, Map<Lane, Integer> waitingPerLane) {
		if (!mayPreempt(waiting.lane()) || this.running.isEmpty()) {
			return false;
		}
		int[] runningPerLane = new int[Lane.values().length];
		this.running.keySet().forEach(job -> runningPerLane[job.lane().ordinal()]++);
		double[] share = shares(waitingPerLane, runningPerLane);
		int lane = waiting.lane().ordinal();
		if (runningPerLane[lane] >= share[lane]) {
			return false;
		}
		String model = waiting.model();
		long now = this.nanoClock.getAsLong();
		Job victim = null;
		long youngest = Long.MAX_VALUE;
		for (Map.Entry<Job, Running> entry : this.running.entrySet()) {
			Job job = entry.getKey();
			Running attempt = entry.getValue();
			int victimLane = job.lane().ordinal();
			long age = now - attempt.startedNanos;
			if (age < youngest && age <= this.maxVictimAgeNanos && attempt.streaming && victimLane > lane
					&& runningPerLane[victimLane] > share[victimLane] && job.preemptions() < this.maxPerJob
					&& job.request().getMode() != Mode.EMBED && this.pool.freesSlotFor(attempt.host, model)) {
				victim = job;
				youngest = age;
			}
		}
		return victim != null && victim.preempt();
	}

	/**
	 * Stops attempts on one host so that this worker gives slots back to the fleet: the
	 * fleet's allocation moved them to another worker's more urgent lane. Victims follow
	 * the rules of {@link #preemptFor}: of a lane lower than {@code forLane}, streaming,
	 * at most {@code max-victim-age} old, preempted fewer than {@code max-per-job} times,
	 * not embeddings; the youngest first.
	 * @param host the host
	 * @param forLane the most urgent lane waiting elsewhere for the host's slots
	 * @param count how many slots to give back
	 * @return how many attempts were stopped
	 */
	public int shed(OllamaHost host, Lane forLane, int count) {
		if (!mayPreempt(forLane) || count <= 0) {
			return 0;
		}
		long now = this.nanoClock.getAsLong();
		List<Job> victims = this.running.entrySet()
			.stream()
			.filter(e -> e.getValue().host == host && e.getValue().streaming && e.getKey().lane().compareTo(forLane) > 0
					&& now - e.getValue().startedNanos <= this.maxVictimAgeNanos
					&& e.getKey().preemptions() < this.maxPerJob && e.getKey().request().getMode() != Mode.EMBED)
			.sorted(Comparator.comparingLong(e -> now - e.getValue().startedNanos))
			.map(Map.Entry::getKey)
			.limit(count)
			.toList();
		return (int) victims.stream().filter(Job::preempt).count();
	}

	/**
	 * Stops every running attempt of the jobs that match, whatever the victim rules
	 * (their batch was cancelled): each goes back to its lane, where the scheduler ends
	 * it.
	 * @param jobs which jobs
	 * @return how many attempts were stopped
	 */
	public int stopWhere(Predicate<Job> jobs) {
		return (int) this.running.keySet().stream().filter(jobs).filter(Job::preempt).count();
	}

	/**
	 * Each lane's share of the usable slots, among the lanes with work, by weight; by
	 * ordinal.
	 */
	private double[] shares(Map<Lane, Integer> waitingPerLane, int[] runningPerLane) {
		Lane[] lanes = Lane.values();
		double activeWeight = 0;
		for (Lane lane : lanes) {
			if (waitingPerLane.getOrDefault(lane, 0) > 0 || runningPerLane[lane.ordinal()] > 0) {
				activeWeight += this.weights.of(lane);
			}
		}
		double[] share = new double[lanes.length];
		int slots = this.pool.usableSlots();
		for (Lane lane : lanes) {
			share[lane.ordinal()] = activeWeight == 0 ? 0 : slots * this.weights.of(lane) / activeWeight;
		}
		return share;
	}

	/**
	 * An attempt that may be preempted; {@code streaming} is set on the client's event
	 * loop.
	 */
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
