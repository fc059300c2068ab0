package dev.kow.worker.intake;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.worker.config.IntakeProperties;
import dev.kow.worker.config.SchedulingProperties;
import dev.kow.worker.job.Lane;
import dev.kow.worker.offsets.CompletionSink;
import dev.kow.worker.offsets.PartitionOffsets;
import dev.kow.worker.offsets.SourceRecord;
import dev.kow.worker.outcome.OutcomePublisher;
import dev.kow.worker.scheduling.LaneScheduler;
import dev.kow.worker.telemetry.JobTracing;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka side: one thread owns the consumer, reads the three lane topics, and commits
 * each partition up to its lowest record still in progress ({@link PartitionOffsets}).
 * Its parts:
 * <ul>
 * <li>{@link RecordAdmission}, with {@link RecordDecoder} and {@link RequestValidator}:
 * unreadable records (bad bytes, unknown schema id, wrong schema) and invalid requests
 * are dead-lettered and their partition moves on; a registry outage is not the record's
 * fault, so the partition is rewound to that record and held paused for
 * {@code registry-retry};</li>
 * <li>{@link PartitionRegistry}: trackers, jobs in progress and completions;</li>
 * <li>{@link Backpressure}: bounded memory, per partition and per lane;</li>
 * <li>{@link OffsetCommits}: commits while running and before leaving;</li>
 * <li>{@link Revocation}: the rebalance listener (revoke grace, commit, cancel);</li>
 * <li>{@link ConsumerHealth}: polls and heartbeats, for the health indicators.</li>
 * </ul>
 * <b>Shutdown:</b> {@link #stop()} pauses everything, lets in-flight work finish for up
 * to {@code drain-timeout} while still committing, then cancels the rest, commits and
 * leaves the group.
 */
public final class IntakeLoop implements Runnable, CompletionSink {

	private static final Logger log = LoggerFactory.getLogger(IntakeLoop.class);

	private static final Duration POLL = Duration.ofMillis(50);

	private final Consumer<byte[], byte[]> consumer;

	private final Set<String> topics;

	private final RecordAdmission admission;

	private final IntakeProperties intake;

	private final Clock clock;

	private final LongSupplier nanoClock;

	private final PartitionRegistry registry;

	private final Backpressure backpressure;

	private final Revocation revocation;

	private final ConsumerHealth health;

	private final LaneBacklog backlog = new LaneBacklog();

	private final OffsetCommits commits;

	private volatile boolean running = true;

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
	 * @param tracing starts each job's span from its record's trace context
	 */
	public IntakeLoop(Consumer<byte[], byte[]> consumer, Map<String, Lane> lanes, KafkaAvroDeserializer deserializer,
			RequestValidator validator, LaneScheduler scheduler, OutcomePublisher outcomes, IntakeProperties intake,
			SchedulingProperties limits, Clock clock, LongSupplier nanoClock, JobTracing tracing) {
		this.consumer = consumer;
		this.topics = Set.copyOf(lanes.keySet());
		this.intake = intake;
		this.clock = clock;
		this.nanoClock = nanoClock;
		this.registry = new PartitionRegistry(lanes);
		this.admission = new RecordAdmission(this.registry, new RecordDecoder(deserializer), validator, scheduler,
				outcomes, clock, nanoClock, tracing);
		this.backpressure = new Backpressure(limits.maxBufferedPerPartition(), limits.maxBufferedPerLane());
		this.revocation = new Revocation(consumer, this.registry, scheduler, this.backpressure, intake.revokeGrace(),
				intake.commitTimeout(), nanoClock);
		this.health = new ConsumerHealth(nanoClock);
		this.commits = new OffsetCommits(consumer, this.registry, intake.commitInterval(), nanoClock);
	}

	@Override
	public void completed(SourceRecord source) {
		this.registry.completed(source);
	}

	/** Asks the loop to drain and leave the group; returns at once. */
	public void stop() {
		this.running = false;
	}

	/**
	 * @param lane a lane
	 * @return records of that lane read and not yet done (waiting, in flight or being
	 * published)
	 */
	public int buffered(Lane lane) {
		return this.registry.buffered(lane);
	}

	/**
	 * The lane's true backlog: records not yet done, whether still on Kafka past this
	 * worker's fetch position (the consumer's {@code currentLag}, from its last fetch) or
	 * read and not yet done. The committed lag ({@code log end - committed}) overstates
	 * it while completions above a gap wait for a contiguous commit.
	 * @param lane a lane
	 * @return records of the lane's assigned partitions not yet done
	 */
	public long backlog(Lane lane) {
		return this.backlog.unread(lane) + buffered(lane);
	}

	/**
	 * @return whether the loop polls and keeps its heartbeats, for the health indicators
	 */
	public ConsumerHealth health() {
		return this.health;
	}

	/**
	 * @return this worker's member id in the consumer group, or null before its first
	 * assignment
	 */
	public @Nullable String memberId() {
		return this.revocation.memberId();
	}

	/**
	 * @return how many rebalances this worker has taken part in; changes whenever its
	 * assignment may have
	 */
	public int rebalances() {
		return this.revocation.rebalances();
	}

	/**
	 * @return partitions assigned to this worker at the last poll
	 */
	public int assigned() {
		return this.backlog.assigned();
	}

	/**
	 * @return how many times a partition was paused because its partition or lane was
	 * full
	 */
	public long pauses() {
		return this.backpressure.pauses();
	}

	@Override
	public void run() {
		this.health.started();
		try {
			this.consumer.subscribe(this.topics, this.revocation);
			while (this.running) {
				pollOnce();
			}
			drain();
		}
		catch (WakeupException ignored) {
			// shutting down
		}
		catch (RuntimeException ex) {
			this.health.failed(ex);
			log.error("intake loop failed; leaving the group so another worker takes over", ex);
		}
		finally {
			this.consumer.close(this.intake.commitTimeout());
		}
	}

	private void pollOnce() {
		this.registry.applyCompletions();
		this.commits.commitIfDue();
		applyBackpressure();
		ConsumerRecords<byte[], byte[]> records = this.consumer.poll(POLL);
		this.health.polled(this.consumer::metrics);
		this.backlog.measure(this.consumer, this.registry::lane);
		Set<TopicPartition> rewound = new HashSet<>();
		for (ConsumerRecord<byte[], byte[]> record : records) {
			TopicPartition partition = new TopicPartition(record.topic(), record.partition());
			if (!rewound.contains(partition) && !accept(record, partition)) {
				rewound.add(partition);
			}
		}
	}

	/**
	 * @return false when the partition was rewound to this record (registry outage)
	 */
	private boolean accept(ConsumerRecord<byte[], byte[]> record, TopicPartition partition) {
		Optional<PartitionOffsets> tracker = this.registry.tracker(partition);
		if (tracker.isEmpty()) {
			return true; // not ours any more
		}
		Optional<String> registryDown = this.admission.admit(record, tracker.get());
		registryDown.ifPresent(problem -> {
			log.warn("schema registry unavailable while reading {}@{}; retrying in {}: {}", partition, record.offset(),
					this.intake.registryRetry(), problem);
			this.consumer.seek(partition, record.offset());
			this.backpressure.holdUntil(partition, this.clock.instant().plus(this.intake.registryRetry()));
		});
		return registryDown.isEmpty();
	}

	private void applyBackpressure() {
		List<Backpressure.Load> loads = new ArrayList<>();
		for (PartitionOffsets tracker : this.registry.trackers()) {
			TopicPartition partition = tracker.partition();
			loads.add(new Backpressure.Load(partition, tracker.pendingCount(),
					buffered(this.registry.lane(partition.topic()))));
		}
		Backpressure.Changes changes = this.backpressure.evaluate(loads, this.clock.instant());
		if (!changes.pause().isEmpty()) {
			this.consumer.pause(changes.pause());
		}
		if (!changes.resume().isEmpty()) {
			this.consumer.resume(changes.resume());
		}
	}

	private void drain() {
		log.info("draining: no new records; waiting up to {} for in-flight work", this.intake.drainTimeout());
		long until = this.nanoClock.getAsLong() + this.intake.drainTimeout().toNanos();
		while (this.nanoClock.getAsLong() < until && this.registry.anyPending()) {
			this.registry.applyCompletions();
			pollDiscarding();
		}
		this.registry.applyCompletions();
		this.registry.partitions().forEach(this.revocation::cancelJobs);
		this.commits.commitBeforeLeaving(this.intake.commitTimeout(), this::pollDiscarding);
	}

	/**
	 * Polls to keep the membership alive (and let a rebalance complete) while draining.
	 * Records can come only from partitions assigned meanwhile; they are not registered,
	 * so they are neither run nor committed here and the next owner reads them again.
	 */
	private void pollDiscarding() {
		this.consumer.pause(this.consumer.assignment());
		this.consumer.poll(POLL);
	}

}
