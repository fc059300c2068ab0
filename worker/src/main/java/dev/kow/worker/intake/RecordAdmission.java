package dev.kow.worker.intake;

import java.time.Clock;
import java.util.Optional;
import java.util.function.LongSupplier;

import dev.kow.worker.job.Job;
import dev.kow.worker.job.Lane;
import dev.kow.worker.offsets.PartitionOffsets;
import dev.kow.worker.offsets.SourceRecord;
import dev.kow.worker.ollama.ModelNames;
import dev.kow.worker.outcome.OutcomePublisher;
import dev.kow.worker.scheduling.LaneScheduler;
import dev.kow.worker.telemetry.JobTracing;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a record read becomes: tracked for its partition's commit, then a poison record's
 * dead letter, an invalid request's FAILED result and dead letter, or a job in its lane
 * (its model normalised here, once, and its trace span started). A schema registry outage
 * is nobody's outcome: the record is not tracked and the caller reads it again later.
 * Intake thread only.
 */
final class RecordAdmission {

	private final PartitionRegistry registry;

	private final RecordDecoder decoder;

	private final RequestValidator validator;

	private final LaneScheduler scheduler;

	private final OutcomePublisher outcomes;

	private final Clock clock;

	private final LongSupplier nanoClock;

	private final JobTracing tracing;

	RecordAdmission(PartitionRegistry registry, RecordDecoder decoder, RequestValidator validator,
			LaneScheduler scheduler, OutcomePublisher outcomes, Clock clock, LongSupplier nanoClock,
			JobTracing tracing) {
		this.tracing = tracing;
		this.registry = registry;
		this.decoder = decoder;
		this.validator = validator;
		this.scheduler = scheduler;
		this.outcomes = outcomes;
		this.clock = clock;
		this.nanoClock = nanoClock;
	}

	/**
	 * @param record a record of an assigned partition
	 * @param tracker its partition's tracker
	 * @return empty when the record was admitted (job, dead letter or failure); why the
	 * registry could not be asked when it was not
	 */
	Optional<String> admit(ConsumerRecord<byte[], byte[]> record, PartitionOffsets tracker) {
		switch (this.decoder.decode(record.topic(), record.value())) {
			case RecordDecoder.RegistryDown down -> {
				return Optional.of(down.message());
			}
			case RecordDecoder.Poison poison -> this.outcomes.unreadable(record,
					this.registry.track(tracker, record.offset()), poison.category(), poison.message());
			case RecordDecoder.Request readable -> {
				SourceRecord source = this.registry.track(tracker, record.offset());
				Lane lane = this.registry.lane(record.topic());
				Job job = new Job(source, lane, record, readable.request(),
						ModelNames.normalize(readable.request().getModel()), this.clock.instant(),
						this.nanoClock.getAsLong(), this.tracing.jobStarted(record, readable.request(), lane.key()));
				this.registry.add(job);
				this.validator.check(readable.request())
					.ifPresentOrElse(rejection -> this.outcomes.failed(job, rejection.category(), rejection.message()),
							() -> this.scheduler.submit(job));
			}
		}
		return Optional.empty();
	}

}
