package dev.kow.worker.fleet;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.job.Lane;
import dev.kow.worker.job.LaneWeights;
import dev.kow.worker.scheduling.LaneScheduler;
import dev.kow.worker.scheduling.Preemption;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet-wide slot allocation by demand ({@code worker.ollama.slot-sharing.mode=demand}).
 * Every {@code refresh}, and at once when it changed, this worker publishes its
 * {@link MemberState} (jobs waiting per lane, attempts running per host and lane, since
 * when its oldest job has waited) to the compacted fleet-state topic, keyed by its worker
 * id, and reads everyone's: the topic's partitions are assigned, not subscribed, so no
 * consumer group is involved. From the live states every worker computes the same
 * {@link FleetAllocation} and takes its own quota, with one guard for the hand-over: on
 * each host it uses at most what the others neither run nor claim
 * ({@code slots - sum over the others of max(running, share)}, where a worker's share is
 * the one it published itself), so a slot moves only after its previous holder has read
 * that it must give it up, lowered its share and released the slot, and published that.
 * What the guard cannot see is two workers raising their shares into the same free slot
 * from views one read apart; the extra call then runs to its end.
 *
 * <p>
 * A worker whose state is older than {@code stale-after} (it died or stalled) loses its
 * slots then. Until this worker has read the topic to its end once it takes no slot; when
 * it cannot read the topic for {@code stale-after} it falls back to an equal split among
 * the members it last saw (one slot per host if it never saw any), says so once, and says
 * when it is back. On close it publishes a tombstone, so the others free its slots at
 * once.
 */
public final class DemandSharing implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(DemandSharing.class);

	/** How long one read lasts before the shares are recomputed, ns. */
	private static final long SLICE_NANOS = 50_000_000L;

	private final FleetStateTopic state;

	private final String self;

	private final HostPool pool;

	private final LaneScheduler scheduler;

	private final Preemption preemption;

	private final LaneWeights weights;

	private final long refreshNanos;

	private final long staleAfterNanos;

	private final LongSupplier nanoClock;

	private final Clock clock;

	private final FleetView view = new FleetView();

	private final List<FleetHost> hosts;

	/** Host ids other workers run on that this worker does not know, warned of once. */
	private final Set<String> unknownHosts = new HashSet<>();

	private final Thread thread;

	private volatile boolean running = true;

	private boolean fallingBack;

	/** The shares this worker allows itself now, by host id; published as its claim. */
	private volatile Map<String, Integer> shares = Map.of();

	private int lastMembers;

	/**
	 * Starts publishing and reading on its own thread.
	 * @throws IllegalStateException naming {@code worker.topics.fleet-state} when the
	 * topic does not exist (the worker does not start)
	 * @param producer a producer for the fleet-state topic; closed by {@link #close()}
	 * @param consumer a consumer without a group; closed by {@link #close()}
	 * @param topic the compacted fleet-state topic ({@code worker.topics.fleet-state})
	 * @param self this worker's id
	 * @param pool the hosts, whose shares are set
	 * @param scheduler what waits here
	 * @param preemption what runs here
	 * @param weights the lane weights
	 * @param refresh {@code slot-sharing.refresh}
	 * @param staleAfter {@code slot-sharing.stale-after}
	 * @param nanoClock monotonic clock, ns
	 * @param clock wall clock, for the published time
	 */
	public DemandSharing(Producer<String, byte[]> producer, Consumer<String, byte[]> consumer, String topic,
			String self, HostPool pool, LaneScheduler scheduler, Preemption preemption, LaneWeights weights,
			Duration refresh, Duration staleAfter, LongSupplier nanoClock, Clock clock) {
		this.state = new FleetStateTopic(producer, consumer, topic, self, nanoClock);
		this.self = self;
		this.pool = pool;
		this.scheduler = scheduler;
		this.preemption = preemption;
		this.weights = weights;
		this.refreshNanos = refresh.toNanos();
		this.staleAfterNanos = staleAfter.toNanos();
		this.nanoClock = nanoClock;
		this.clock = clock;
		this.hosts = pool.hosts().stream().map(host -> new FleetHost(host.id(), host.slots(), host.models())).toList();
		Map<String, Integer> none = new LinkedHashMap<>();
		pool.hosts().forEach(host -> none.put(host.id(), 0));
		pool.assignShares(none);
		this.thread = Thread.ofPlatform().name("kow-fleet").daemon().start(this::loop);
	}

	/**
	 * Publishes every {@code refresh}, and at once when what this worker waits for or
	 * runs changed, so a released slot is handed over in about one read slice instead of
	 * a refresh; reads and recomputes the shares every slice.
	 */
	private void loop() {
		long sliceNanos = Math.min(this.refreshNanos, SLICE_NANOS);
		long nextPublish = 0;
		MemberState published = null;
		try {
			while (this.running) {
				long now = this.nanoClock.getAsLong();
				MemberState own = ownState();
				this.view.put(own, now);
				if (published == null || now >= nextPublish || !own.waiting().equals(published.waiting())
						|| !own.running().equals(published.running())
						|| !own.waitingModels().equals(published.waitingModels())
						|| !own.shares().equals(published.shares())) {
					this.state.publish(own);
					published = own;
					nextPublish = now + this.refreshNanos;
				}
				this.state.read(this.view, now + sliceNanos);
				share(own);
			}
		}
		catch (RuntimeException ex) {
			log.error("fleet slot sharing stopped; keeping the last shares", ex);
		}
		finally {
			this.state.leave();
		}
	}

	private MemberState ownState() {
		Map<Lane, Integer> waiting = new EnumMap<>(Lane.class);
		for (Lane lane : Lane.values()) {
			waiting.put(lane, this.scheduler.waiting(lane));
		}
		long now = this.nanoClock.getAsLong();
		long nowMs = this.clock.millis();
		long sinceMs = this.scheduler.oldestWaitingSinceNanos()
			.stream()
			.map(since -> nowMs - (now - since) / 1_000_000)
			.findFirst()
			.orElse(0);
		return new MemberState(this.self, nowMs, waiting, this.preemption.runningByHost(), sinceMs,
				this.scheduler.waitingModels(), this.shares);
	}

	private void share(MemberState own) {
		long now = this.nanoClock.getAsLong();
		if (now - this.state.lastReadNanos() > this.staleAfterNanos) {
			fallBack();
			return;
		}
		if (this.fallingBack) {
			this.fallingBack = false;
			log.info("reading the fleet state again; slots follow demand");
		}
		if (!this.state.caughtUp()) {
			return;
		}
		List<MemberState> live = this.view.live(now, this.staleAfterNanos);
		this.lastMembers = live.size();
		warnOfUnknownHosts(live);
		Map<String, Integer> next = FleetAllocation.handOver(this.hosts, live, this.self,
				FleetAllocation.allocate(this.hosts, live, this.weights));
		this.shares = Map.copyOf(next);
		this.pool.assignShares(next);
		shed(own, live, next);
	}

	/**
	 * Gives slots back at once where this worker runs more than its share and another
	 * worker waits with a more urgent lane: preemption across the fleet, under the usual
	 * rules.
	 */
	private void shed(MemberState own, List<MemberState> live, Map<String, Integer> shares) {
		Lane urgent = null;
		for (Lane lane : Lane.values()) {
			if (live.stream().anyMatch(m -> !m.member().equals(this.self) && m.waiting(lane) > 0)) {
				urgent = lane;
				break;
			}
		}
		if (urgent == null) {
			return;
		}
		for (OllamaHost host : this.pool.hosts()) {
			int excess = own.runningOn(host.id()) - shares.getOrDefault(host.id(), 0);
			if (excess > 0) {
				this.preemption.shed(host, urgent, excess);
			}
		}
	}

	/**
	 * The allocation counts a host's calls by host id: a worker that names a host
	 * differently puts calls on it that the others do not count.
	 */
	private void warnOfUnknownHosts(List<MemberState> live) {
		for (MemberState member : live) {
			for (String host : member.running().keySet()) {
				if (this.hosts.stream().noneMatch(known -> known.id().equals(host)) && this.unknownHosts.add(host)) {
					log.warn("worker {} runs calls on host '{}', which this worker does not know: every worker must "
							+ "configure the same hosts with the same ids (worker.ollama.hosts[N].id), or a host "
							+ "gets more calls than its slots", member.member(), host);
				}
			}
		}
	}

	private void fallBack() {
		if (!this.fallingBack) {
			this.fallingBack = true;
			log.warn("cannot read the fleet state for over {} ms; using an equal share among the {} member(s) "
					+ "last seen", this.staleAfterNanos / 1_000_000, this.lastMembers);
		}
		Map<String, Integer> equal = new LinkedHashMap<>();
		for (OllamaHost host : this.pool.hosts()) {
			equal.put(host.id(), this.lastMembers == 0 ? 1 : Math.max(1, host.slots() / this.lastMembers));
		}
		this.shares = Map.copyOf(equal);
		this.pool.assignShares(equal);
	}

	@Override
	public void close() throws InterruptedException {
		this.running = false;
		this.state.wakeup();
		this.thread.join(Duration.ofSeconds(10));
		this.state.close();
	}

}
