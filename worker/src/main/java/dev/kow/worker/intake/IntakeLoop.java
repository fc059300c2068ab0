package dev.kow.worker.intake;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;

import dev.kow.avro.ErrorCategory;
import dev.kow.avro.InferenceRequest;
import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.serde.WireFormatException;
import dev.kow.worker.config.IntakeProperties;
import dev.kow.worker.config.SchedulingProperties;
import dev.kow.worker.job.Job;
import dev.kow.worker.offsets.CompletionSink;
import dev.kow.worker.offsets.PartitionOffsets;
import dev.kow.worker.offsets.SourceRecord;
import dev.kow.worker.outcome.OutcomePublisher;
import dev.kow.worker.scheduling.Lane;
import dev.kow.worker.scheduling.LaneScheduler;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka side: one thread owns the consumer, reads the three lane topics, and commits each
 * partition up to its lowest record still in progress ({@link PartitionOffsets}).
 *
 * <ul>
 * <li><b>Decoding:</b> unreadable records (bad bytes, unknown schema id, wrong schema) and invalid
 * requests are dead-lettered and their partition moves on; a registry outage is not the record's
 * fault, so the partition is rewound to that record and paused for {@code registry-retry}.</li>
 * <li><b>Bounded memory:</b> a partition with {@code max-buffered-per-partition} records in progress,
 * or whose lane holds {@code max-buffered-per-lane}, is paused and resumed at half. Pausing is per
 * lane, so a batch backlog never stops high-priority records from being read.</li>
 * <li><b>Rebalance:</b> on revocation, the partition's queued jobs are dropped (never started, the new
 * owner runs them), its in-flight calls get up to {@code revoke-grace} to finish, then the completed
 * offsets are committed synchronously and whatever still runs is cancelled. Because a partition's jobs
 * are dispatched in offset order, the commit then reaches the first dropped job, so only calls still
 * running after the grace are done twice (the duplicate window).</li>
 * <li><b>Shutdown:</b> {@link #stop()} pauses everything, lets in-flight work finish for up to
 * {@code drain-timeout} while still committing, then cancels the rest, commits and leaves the
 * group.</li>
 * </ul>
 */
public final class IntakeLoop implements Runnable, CompletionSink {

	private static final Logger log = LoggerFactory.getLogger(IntakeLoop.class);

	private static final Duration POLL = Duration.ofMillis(50);

	private volatile long lastPollNanos;

	private volatile int assigned;

	/** Kafka's {@code last-heartbeat-seconds-ago} at the last check; NaN before the first heartbeat. */
	private volatile double heartbeatAgeSeconds = Double.NaN;

	private volatile long startedNanos;

	/** This worker's member id in the consumer group, once it has one. */
	private volatile String memberId;

	/** Counts this worker's rebalances (assignments, revocations, losses); written by the intake thread only. */
	private volatile int rebalances;

	private long heartbeatCheckedNanos;

	private Metric heartbeatMetric;

	private volatile RuntimeException failure;

	/** Per lane, records past the fetch position of the assigned partitions, as of the last poll. */
	private final Map<Lane, Long> laneUnread = new java.util.concurrent.ConcurrentHashMap<>();

	private final Consumer<byte[], byte[]> consumer;

	private final Map<String, Lane> lanes;

	private final KafkaAvroDeserializer deserializer;

	private final RequestValidator validator;

	private final LaneScheduler scheduler;

	private final OutcomePublisher outcomes;

	private final IntakeProperties intake;

	private final SchedulingProperties limits;

	private final Clock clock;

	private final LongSupplier nanoClock;

	private final ConcurrentLinkedQueue<SourceRecord> completed = new ConcurrentLinkedQueue<>();

	private final Map<TopicPartition, PartitionOffsets> trackers = new HashMap<>();

	private final Map<TopicPartition, Map<Long, Job>> jobs = new HashMap<>();

	private final Set<TopicPartition> paused = new HashSet<>();

	private final Map<TopicPartition, Instant> registryBackoff = new HashMap<>();

	private final Map<Lane, Integer> laneBuffered = new ConcurrentHashMap<>();

	private final java.util.concurrent.atomic.AtomicLong pauses = new java.util.concurrent.atomic.AtomicLong();

	private volatile boolean running = true;

	private long lastCommitNanos;

	/**
	 * @param consumer a byte-array consumer in the worker's group, auto-commit off
	 * @param lanes topic name to lane
	 * @param deserializer Confluent-format deserializer, specific reader on
	 * @param validator request checks
	 * @param scheduler where valid jobs go
	 * @param outcomes publishes dead letters for unreadable and invalid records
	 * @param intake intake settings
	 * @param limits buffer bounds
	 * @param clock wall clock
	 * @param nanoClock monotonic clock, ns
	 */
	public IntakeLoop(Consumer<byte[], byte[]> consumer, Map<String, Lane> lanes, KafkaAvroDeserializer deserializer,
			RequestValidator validator, LaneScheduler scheduler, OutcomePublisher outcomes, IntakeProperties intake,
			SchedulingProperties limits, Clock clock, LongSupplier nanoClock) {
		this.consumer = consumer;
		this.lanes = Map.copyOf(lanes);
		this.deserializer = deserializer;
		this.validator = validator;
		this.scheduler = scheduler;
		this.outcomes = outcomes;
		this.intake = intake;
		this.limits = limits;
		this.clock = clock;
		this.nanoClock = nanoClock;
	}

	@Override
	public void completed(SourceRecord source) {
		this.completed.add(source);
	}

	/** Asks the loop to drain and leave the group; returns at once. */
	public void stop() {
		this.running = false;
	}

	/**
	 * @param lane a lane
	 * @return records of that lane read and not yet done (waiting, in flight or being published)
	 */
	public int buffered(Lane lane) {
		return this.laneBuffered.getOrDefault(lane, 0);
	}

	/**
	 * The lane's true backlog: records not yet done, whether still on Kafka past this worker's fetch
	 * position (the consumer's {@code currentLag}, from its last fetch) or read and not yet done. The
	 * committed lag ({@code log end - committed}) overstates it while completions above a gap wait for
	 * a contiguous commit.
	 * @param lane a lane
	 * @return records of the lane's assigned partitions not yet done
	 */
	public long backlog(Lane lane) {
		return this.laneUnread.getOrDefault(lane, 0L) + buffered(lane);
	}

	/**
	 * @param maxSincePoll longest acceptable time since the last poll
	 * @return null while the loop polls, else why it does not: it failed (the error), or its last poll
	 *         is older than {@code maxSincePoll}
	 */
	public String unhealthy(Duration maxSincePoll) {
		RuntimeException failed = this.failure;
		if (failed != null) {
			return "intake loop failed: " + failed;
		}
		long since = this.nanoClock.getAsLong() - this.lastPollNanos;
		return this.lastPollNanos != 0 && since > maxSincePoll.toNanos()
				? "no poll for " + Duration.ofNanos(since).toSeconds() + " s" : null;
	}

	/**
	 * Whether this worker is in touch with its group coordinator, from the consumer's own metric
	 * {@code last-heartbeat-seconds-ago} (group {@code consumer-coordinator-metrics}), read on the
	 * intake thread at most once a second. A broker outage stops the heartbeats (no coordinator),
	 * while the loop itself keeps polling.
	 * @param maxHeartbeatAge longest acceptable time since the last heartbeat
	 * @return null while heartbeats flow (or the first one is due), else why not
	 */
	public String kafkaUnhealthy(Duration maxHeartbeatAge) {
		double age = this.heartbeatAgeSeconds;
		if (Double.isNaN(age) || age < 0) {
			long since = this.nanoClock.getAsLong() - this.startedNanos;
			return this.startedNanos != 0 && since > maxHeartbeatAge.toNanos()
					? "no heartbeat to the group coordinator in " + Duration.ofNanos(since).toSeconds() + " s since start"
					: null;
		}
		return age > maxHeartbeatAge.toSeconds() ? "last heartbeat to the group coordinator " + (long) age + " s ago"
				: null;
	}

	/** @return seconds since the last heartbeat to the group coordinator, NaN before the first */
	public double heartbeatAgeSeconds() {
		return this.heartbeatAgeSeconds;
	}

	/** @return this worker's member id in the consumer group, or null before its first assignment */
	public String memberId() {
		return this.memberId;
	}

	/** @return how many rebalances this worker has taken part in; changes whenever its assignment may have */
	public int rebalances() {
		return this.rebalances;
	}

	/** @return partitions assigned to this worker at the last poll */
	public int assigned() {
		return this.assigned;
	}

	/** @return how many times a partition was paused because its partition or lane was full */
	public long pauses() {
		return this.pauses.get();
	}

	@Override
	public void run() {
		this.startedNanos = this.nanoClock.getAsLong();
		try {
			this.consumer.subscribe(this.lanes.keySet(), new Rebalance());
			while (this.running) {
				pollOnce();
			}
			drain();
		}
		catch (WakeupException ignored) {
			// shutting down
		}
		catch (RuntimeException ex) {
			this.failure = ex;
			log.error("intake loop failed; leaving the group so another worker takes over", ex);
		}
		finally {
			this.consumer.close(Duration.ofSeconds(10));
		}
	}

	private void pollOnce() {
		applyCompletions();
		commitIfDue(false);
		applyBackpressure();
		ConsumerRecords<byte[], byte[]> records = this.consumer.poll(POLL);
		this.lastPollNanos = this.nanoClock.getAsLong();
		readHeartbeatAge();
		measureUnread();
		Set<TopicPartition> rewound = new HashSet<>();
		for (ConsumerRecord<byte[], byte[]> record : records) {
			TopicPartition partition = new TopicPartition(record.topic(), record.partition());
			if (!rewound.contains(partition) && !accept(record, partition)) {
				rewound.add(partition);
			}
		}
	}

	/** Reads the consumer's heartbeat metric at most once a second; the consumer is touched on this thread only. */
	private void readHeartbeatAge() {
		if (this.lastPollNanos - this.heartbeatCheckedNanos < 1_000_000_000L) {
			return;
		}
		this.heartbeatCheckedNanos = this.lastPollNanos;
		if (this.heartbeatMetric == null) {
			this.heartbeatMetric = this.consumer.metrics().entrySet().stream()
				.filter(e -> "last-heartbeat-seconds-ago".equals(e.getKey().name())
						&& "consumer-coordinator-metrics".equals(e.getKey().group()))
				.map(Map.Entry::getValue).findFirst().orElse(null);
		}
		if (this.heartbeatMetric != null && this.heartbeatMetric.metricValue() instanceof Number age) {
			this.heartbeatAgeSeconds = age.doubleValue();
		}
	}

	/** Sums, per lane, what the assigned partitions hold past the fetch position (no broker call). */
	private void measureUnread() {
		Map<Lane, Long> unread = new java.util.EnumMap<>(Lane.class);
		Set<TopicPartition> assignment = this.consumer.assignment();
		for (TopicPartition partition : assignment) {
			java.util.OptionalLong lag = this.consumer.currentLag(partition);
			if (lag.isPresent()) {
				unread.merge(this.lanes.get(partition.topic()), lag.getAsLong(), Long::sum);
			}
		}
		for (Lane lane : Lane.values()) {
			this.laneUnread.put(lane, unread.getOrDefault(lane, 0L));
		}
		this.assigned = assignment.size();
	}

	/** @return false when the partition was rewound to this record (registry outage) */
	private boolean accept(ConsumerRecord<byte[], byte[]> record, TopicPartition partition) {
		PartitionOffsets tracker = this.trackers.get(partition);
		if (tracker == null) {
			return true; // not ours any more
		}
		Lane lane = this.lanes.get(record.topic());
		Object value;
		try {
			value = record.value() == null ? null : this.deserializer.deserialize(record.topic(), record.value());
		}
		catch (WireFormatException ex) {
			if (ex.reason() == WireFormatException.Reason.REGISTRY_UNAVAILABLE) {
				log.warn("schema registry unavailable while reading {}@{}; retrying in {}: {}", partition,
						record.offset(), this.intake.registryRetry(), ex.getMessage());
				this.consumer.seek(partition, record.offset());
				this.registryBackoff.put(partition, this.clock.instant().plus(this.intake.registryRetry()));
				return false;
			}
			track(tracker, lane, record.offset());
			this.outcomes.unreadable(record, new SourceRecord(partition, record.offset(), tracker), category(ex.reason()),
					ex.getMessage());
			return true;
		}
		track(tracker, lane, record.offset());
		SourceRecord source = new SourceRecord(partition, record.offset(), tracker);
		if (!(value instanceof InferenceRequest request)) {
			this.outcomes.unreadable(record, source, value == null ? ErrorCategory.MALFORMED_RECORD
					: ErrorCategory.SCHEMA_MISMATCH, value == null ? "null value (tombstone)"
							: "value is not an InferenceRequest");
			return true;
		}
		Job job = new Job(source, lane, record, request, this.clock.instant(), this.nanoClock.getAsLong());
		this.jobs.computeIfAbsent(partition, p -> new HashMap<>()).put(record.offset(), job);
		Rejection rejection = this.validator.check(request);
		if (rejection != null) {
			this.outcomes.failed(job, rejection.category(), rejection.message());
		}
		else {
			this.scheduler.submit(job);
		}
		return true;
	}

	private void track(PartitionOffsets tracker, Lane lane, long offset) {
		tracker.register(offset);
		this.laneBuffered.merge(lane, 1, Integer::sum);
	}

	private void applyCompletions() {
		SourceRecord done;
		while ((done = this.completed.poll()) != null) {
			PartitionOffsets tracker = done.tracker();
			if (tracker.revoked()) {
				continue;
			}
			tracker.complete(done.offset());
			this.laneBuffered.merge(this.lanes.get(done.partition().topic()), -1, Integer::sum);
			Map<Long, Job> partitionJobs = this.jobs.get(done.partition());
			if (partitionJobs != null) {
				partitionJobs.remove(done.offset());
			}
		}
	}

	private void commitIfDue(boolean now) {
		long nanos = this.nanoClock.getAsLong();
		if (!now && nanos - this.lastCommitNanos < this.intake.commitInterval().toNanos()) {
			return;
		}
		this.lastCommitNanos = nanos;
		Map<TopicPartition, OffsetAndMetadata> offsets = committable(this.trackers.values());
		if (offsets.isEmpty()) {
			return;
		}
		this.consumer.commitAsync(offsets, (committed, error) -> {
			if (error != null) {
				log.warn("offset commit failed, will retry: {}", error.toString());
				return;
			}
			committed.forEach((partition, offset) -> {
				PartitionOffsets tracker = this.trackers.get(partition);
				if (tracker != null) {
					tracker.markCommitted(offset.offset());
				}
			});
		});
	}

	private static Map<TopicPartition, OffsetAndMetadata> committable(Collection<PartitionOffsets> trackers) {
		Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
		for (PartitionOffsets tracker : trackers) {
			if (tracker.committable() >= 0 && tracker.hasNewCommit()) {
				offsets.put(tracker.partition(), new OffsetAndMetadata(tracker.committable()));
			}
		}
		return offsets;
	}

	private void applyBackpressure() {
		Instant now = this.clock.instant();
		this.registryBackoff.values().removeIf(until -> !until.isAfter(now));
		Set<TopicPartition> toPause = new HashSet<>();
		Set<TopicPartition> toResume = new HashSet<>();
		for (PartitionOffsets tracker : this.trackers.values()) {
			TopicPartition partition = tracker.partition();
			int laneLoad = buffered(this.lanes.get(partition.topic()));
			boolean isPaused = this.paused.contains(partition);
			boolean full = tracker.pendingCount() >= this.limits.maxBufferedPerPartition()
					|| laneLoad >= this.limits.maxBufferedPerLane() || this.registryBackoff.containsKey(partition);
			boolean roomAgain = tracker.pendingCount() <= this.limits.maxBufferedPerPartition() / 2
					&& laneLoad <= this.limits.maxBufferedPerLane() / 2 && !this.registryBackoff.containsKey(partition);
			if (!isPaused && full) {
				toPause.add(partition);
			}
			else if (isPaused && roomAgain) {
				toResume.add(partition);
			}
		}
		if (!toPause.isEmpty()) {
			this.consumer.pause(toPause);
			this.paused.addAll(toPause);
			this.pauses.addAndGet(toPause.size());
		}
		if (!toResume.isEmpty()) {
			this.consumer.resume(toResume);
			this.paused.removeAll(toResume);
		}
	}

	private void drain() {
		log.info("draining: no new records; waiting up to {} for in-flight work", this.intake.drainTimeout());
		long until = this.nanoClock.getAsLong() + this.intake.drainTimeout().toNanos();
		while (this.nanoClock.getAsLong() < until && this.trackers.values().stream().anyMatch(t -> t.pendingCount() > 0)) {
			applyCompletions();
			pollDiscarding();
		}
		applyCompletions();
		for (TopicPartition partition : List.copyOf(this.trackers.keySet())) {
			release(partition);
		}
		commitBeforeLeaving(this.nanoClock.getAsLong() + Duration.ofSeconds(10).toNanos());
	}

	/**
	 * Commits what is complete. A commit is refused while a rebalance is between its rounds
	 * ({@link RebalanceInProgressException}) until {@code poll()} completes it, so poll and try again (a
	 * revocation during that poll commits its own partitions) until the commit succeeds or the deadline
	 * passes.
	 */
	private void commitBeforeLeaving(long deadlineNanos) {
		while (true) {
			Map<TopicPartition, OffsetAndMetadata> offsets = committable(this.trackers.values());
			if (offsets.isEmpty()) {
				return;
			}
			try {
				this.consumer.commitSync(offsets, Duration.ofSeconds(10));
				log.info("drained; committed {}", offsets);
				return;
			}
			catch (RebalanceInProgressException ex) {
				if (this.nanoClock.getAsLong() > deadlineNanos) {
					log.warn("could not commit before leaving ({}); the next owner redoes {}", ex.getMessage(), offsets);
					return;
				}
				pollDiscarding();
			}
		}
	}

	/**
	 * Polls to keep the membership alive (and let a rebalance complete) while draining. Records can come
	 * only from partitions assigned meanwhile; they are not registered, so they are neither run nor
	 * committed here and the next owner reads them again.
	 */
	private void pollDiscarding() {
		this.consumer.pause(this.consumer.assignment());
		this.consumer.poll(POLL);
	}

	private void release(TopicPartition partition) {
		List<Job> cancelled = new ArrayList<>(this.scheduler.removePartition(partition));
		Map<Long, Job> running = this.jobs.remove(partition);
		if (running != null) {
			cancelled.addAll(running.values());
		}
		cancelled.forEach(Job::cancel);
	}

	private static ErrorCategory category(WireFormatException.Reason reason) {
		return switch (reason) {
			case UNKNOWN_SCHEMA_ID -> ErrorCategory.UNKNOWN_SCHEMA_ID;
			case SCHEMA_MISMATCH -> ErrorCategory.SCHEMA_MISMATCH;
			case MALFORMED, REGISTRY_UNAVAILABLE -> ErrorCategory.MALFORMED_RECORD;
		};
	}

	private final class Rebalance implements ConsumerRebalanceListener {

		@Override
		public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
			awaitInFlight(partitions);
			Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
			for (TopicPartition partition : partitions) {
				PartitionOffsets tracker = IntakeLoop.this.trackers.get(partition);
				if (tracker != null && tracker.committable() >= 0) {
					offsets.put(partition, new OffsetAndMetadata(tracker.committable()));
				}
			}
			if (!offsets.isEmpty()) {
				try {
					IntakeLoop.this.consumer.commitSync(offsets, Duration.ofSeconds(10));
				}
				catch (RuntimeException ex) {
					log.warn("commit on revocation failed; the new owner will redo some records: {}", ex.toString());
				}
			}
			forget(partitions);
			IntakeLoop.this.rebalances++;
			log.info("partitions revoked: {} (committed {})", partitions, offsets);
		}

		/** Drops queued jobs of the partitions and lets their in-flight ones finish, up to the grace. */
		private void awaitInFlight(Collection<TopicPartition> partitions) {
			Set<Job> dropped = new HashSet<>();
			for (TopicPartition partition : partitions) {
				dropped.addAll(IntakeLoop.this.scheduler.removePartition(partition));
			}
			long until = IntakeLoop.this.nanoClock.getAsLong() + IntakeLoop.this.intake.revokeGrace().toNanos();
			while (true) {
				applyCompletions();
				boolean running = partitions.stream().map(IntakeLoop.this.jobs::get).filter(m -> m != null)
					.flatMap(m -> m.values().stream()).anyMatch(job -> !dropped.contains(job));
				if (!running || IntakeLoop.this.nanoClock.getAsLong() > until) {
					return;
				}
				try {
					Thread.sleep(10);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}

		@Override
		public void onPartitionsLost(Collection<TopicPartition> partitions) {
			forget(partitions);
			IntakeLoop.this.rebalances++;
			log.warn("partitions lost: {}", partitions);
		}

		@Override
		public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
			for (TopicPartition partition : partitions) {
				IntakeLoop.this.trackers.put(partition, new PartitionOffsets(partition));
			}
			IntakeLoop.this.memberId = IntakeLoop.this.consumer.groupMetadata().memberId();
			IntakeLoop.this.rebalances++;
			log.info("partitions assigned: {}", partitions);
		}

		private void forget(Collection<TopicPartition> partitions) {
			for (TopicPartition partition : partitions) {
				PartitionOffsets tracker = IntakeLoop.this.trackers.remove(partition);
				if (tracker != null) {
					tracker.revoke();
					IntakeLoop.this.laneBuffered.merge(IntakeLoop.this.lanes.get(partition.topic()),
							-tracker.pendingCount(), Integer::sum);
				}
				release(partition);
				IntakeLoop.this.paused.remove(partition);
				IntakeLoop.this.registryBackoff.remove(partition);
			}
		}
	}
}
