package dev.kow.worker.hosts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * Splits each host's slots among the workers of the consumer group, so that a fleet of
 * any size puts at most a host's {@code OLLAMA_NUM_PARALLEL} requests on it (more would
 * queue inside Ollama, FIFO, where priority is lost) and, as workers come and go, no slot
 * stays unused for long.
 *
 * <p>
 * The members are read from the broker (Kafka Admin {@code describeConsumerGroups}, which
 * the group's READ permission allows) every {@code interval} and at once after this
 * worker's assignment changed; a description taken mid-rebalance is read again at the
 * next tick (200 ms); only members that hold partitions count, so a worker killed without
 * leaving keeps its share, unused, until the group drops it after
 * {@code session.timeout.ms}. With {@code N} of them, sorted by member id, the member of
 * rank {@code r} gets {@code slots / N} of host {@code h}, plus one when
 * {@code (r - h) mod N < slots mod N}, so the remainders of different hosts go to
 * different members and the shares of every host add up to its slots exactly
 * ({@link #share}).
 *
 * <p>
 * Until the first membership is known a worker uses no slot; if the broker cannot be
 * asked (for example, no DESCRIBE permission on the group) the worker falls back to all
 * slots and says so once. Between a rebalance and the members' next reads (up to
 * {@code interval}) the shares can add up to more or less than the slots.
 */
public final class SlotSharing implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(SlotSharing.class);

	/** How often the refresh condition is checked, ms. */
	private static final long TICK_MS = 200;

	private final Admin admin;

	private final String groupId;

	private final Supplier<String> selfMemberId;

	private final IntSupplier rebalances;

	private final HostPool pool;

	private final LongSupplier nanoClock;

	private final long intervalNanos;

	private final AtomicBoolean asking = new AtomicBoolean();

	private final Disposable ticks;

	private volatile boolean known;

	private volatile boolean warned;

	private volatile long lastReadNanos;

	private volatile int lastRebalances = -1;

	/**
	 * Starts sharing: sets every host's share to 0 and reads the membership from now on.
	 * @param admin a Kafka Admin client for the group's cluster; closed by
	 * {@link #close()}
	 * @param groupId the consumer group
	 * @param selfMemberId this worker's member id, null until it has one
	 * @param rebalances changes whenever this worker's assignment may have
	 * @param pool the hosts whose shares are set
	 * @param timer scheduler of the periodic check (the Admin call itself does not block
	 * it)
	 * @param nanoClock monotonic clock, ns
	 * @param interval how often the membership is read again
	 */
	public SlotSharing(Admin admin, String groupId, Supplier<String> selfMemberId, IntSupplier rebalances,
			HostPool pool, Scheduler timer, LongSupplier nanoClock, Duration interval) {
		this.admin = admin;
		this.groupId = groupId;
		this.selfMemberId = selfMemberId;
		this.rebalances = rebalances;
		this.pool = pool;
		this.nanoClock = nanoClock;
		this.intervalNanos = interval.toNanos();
		pool.hosts().forEach(host -> host.share(0));
		this.ticks = timer.schedulePeriodically(this::tick, 0, TICK_MS, TimeUnit.MILLISECONDS);
	}

	/**
	 * This member's share of one host's slots.
	 * @param slots the host's slots
	 * @param hostIndex the host's position in the configuration, which rotates the
	 * remainder
	 * @param members member ids of the members that hold partitions, any order; must
	 * contain {@code self}
	 * @param self this worker's member id
	 * @return slots for this member, 0 to {@code slots}; the shares of all members add up
	 * to {@code slots}
	 */
	public static int share(int slots, int hostIndex, List<String> members, String self) {
		List<String> sorted = members.stream().sorted().toList();
		int n = sorted.size();
		int rank = sorted.indexOf(self);
		if (rank < 0) {
			throw new IllegalArgumentException("member " + self + " is not among " + members);
		}
		return slots / n + (Math.floorMod(rank - hostIndex, n) < slots % n ? 1 : 0);
	}

	private void tick() {
		String self = this.selfMemberId.get();
		int seen = this.rebalances.getAsInt();
		boolean due = this.nanoClock.getAsLong() - this.lastReadNanos >= this.intervalNanos
				|| seen != this.lastRebalances;
		if (self == null || !due || !this.asking.compareAndSet(false, true)) {
			return;
		}
		this.lastRebalances = seen;
		this.lastReadNanos = this.nanoClock.getAsLong();
		Objects
			.requireNonNull(
					this.admin.describeConsumerGroups(List.of(this.groupId)).describedGroups().get(this.groupId))
			.whenComplete((group, error) -> {
				try {
					if (error != null) {
						fallBack(error);
					}
					else {
						apply(group, self);
					}
				}
				catch (RuntimeException ex) {
					// the Admin future swallows what its callback throws: say it here
					log.error("applying the consumer group's membership failed", ex);
				}
				finally {
					this.asking.set(false);
				}
			});
	}

	private void apply(ConsumerGroupDescription group, String self) {
		if (group.groupState() != GroupState.STABLE) {
			// mid-rebalance the members' assignments are not final (often empty): read
			// again at the next tick
			this.lastRebalances = -1;
			return;
		}
		List<String> members = new ArrayList<>();
		for (MemberDescription member : group.members()) {
			if (!member.assignment().topicPartitions().isEmpty() || member.consumerId().equals(self)) {
				members.add(member.consumerId());
			}
		}
		if (!members.contains(self)) {
			members.add(self); // a description older than our own join
		}
		List<OllamaHost> hosts = this.pool.hosts();
		boolean changed = false;
		for (int i = 0; i < hosts.size(); i++) {
			OllamaHost host = hosts.get(i);
			int share = share(host.slots(), i, members, self);
			changed |= share != host.share();
			host.share(share);
		}
		this.known = true;
		if (changed) {
			log.info("slot shares with {} member(s) holding partitions: {}", members.size(), shares());
			this.pool.capacityChanged();
		}
	}

	private void fallBack(Throwable error) {
		if (!this.warned) {
			this.warned = true;
			log.warn("cannot read the members of consumer group {} ({}); {}", this.groupId, error.toString(),
					this.known ? "keeping the last slot shares" : "using all slots of every host");
		}
		if (!this.known) {
			this.pool.hosts().forEach(host -> host.share(host.slots()));
			this.known = true;
			this.pool.capacityChanged();
		}
	}

	private Map<String, Integer> shares() {
		Map<String, Integer> shares = new LinkedHashMap<>();
		this.pool.hosts().forEach(host -> shares.put(host.id(), host.share()));
		return shares;
	}

	@Override
	public void close() {
		this.ticks.dispose();
		this.admin.close(Duration.ofSeconds(5));
	}

}
