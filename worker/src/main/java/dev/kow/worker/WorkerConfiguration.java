package dev.kow.worker;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.serde.KafkaAvroSerializer;
import dev.kow.worker.config.IntakeProperties;
import dev.kow.worker.config.OllamaProperties;
import dev.kow.worker.config.OutcomeProperties;
import dev.kow.worker.config.RegistryProperties;
import dev.kow.worker.config.SchedulingProperties;
import dev.kow.worker.config.TimeoutProperties;
import dev.kow.worker.config.TopicsProperties;
import dev.kow.worker.execution.ExecutionMetrics;
import dev.kow.worker.execution.JobExecutor;
import dev.kow.worker.fleet.DemandSharing;
import dev.kow.worker.health.HostPoolHealthIndicator;
import dev.kow.worker.health.IntakeHealthIndicator;
import dev.kow.worker.health.KafkaHealthIndicator;
import dev.kow.worker.hosts.HostMetrics;
import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.hosts.SlotSharing;
import dev.kow.worker.intake.IntakeLoop;
import dev.kow.worker.intake.IntakeMetrics;
import dev.kow.worker.intake.RequestValidator;
import dev.kow.worker.job.CancelledBatches;
import dev.kow.worker.job.Lane;
import dev.kow.worker.ollama.HostAccesses;
import dev.kow.worker.ollama.ModelNames;
import dev.kow.worker.ollama.ConnectionSettings;
import dev.kow.worker.ollama.OllamaClient;
import dev.kow.worker.outcome.OutcomeMetrics;
import dev.kow.worker.outcome.OutcomePublisher;
import dev.kow.worker.scheduling.LaneScheduler;
import dev.kow.worker.scheduling.Preemption;
import dev.kow.worker.scheduling.SchedulerMetrics;
import dev.kow.worker.telemetry.JobTracing;
import dev.kow.worker.timeouts.TimeoutEstimator;
import dev.kow.worker.topics.CompactedTopics;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Builds the worker from its validated properties. Kafka client settings come from
 * {@link KafkaClientSettings}; meters from the capability packages' {@code MeterBinder}s,
 * which Spring Boot binds to the registry. The two clocks here are the only ones: every
 * class gets them injected.
 */
@Configuration(proxyBeanMethods = false)
public class WorkerConfiguration {

	@Bean
	Clock workerClock() {
		return Clock.systemUTC();
	}

	@Bean
	LongSupplier nanoClock() {
		return System::nanoTime;
	}

	@Bean(destroyMethod = "dispose")
	Scheduler workerTimer() {
		return Schedulers.newParallel("worker-timer", 2, true);
	}

	/**
	 * The Ollama client, with each host's {@code Authorization} header and TLS context
	 * ({@link HostAccesses}).
	 */
	@Bean(destroyMethod = "close")
	OllamaClient ollamaClient(Scheduler workerTimer, LongSupplier nanoClock, OllamaProperties ollama,
			SslBundles sslBundles) {
		OllamaProperties.Http http = ollama.http();
		return new OllamaClient(workerTimer, nanoClock, HostAccesses.of(ollama.hosts(), sslBundles),
				new ConnectionSettings(http.maxConnections(), http.maxIdleTime(), http.connectTimeout(),
						http.eventLoopThreads()));
	}

	@Bean
	HostPool hostPool(OllamaProperties ollama, LongSupplier nanoClock, Scheduler workerTimer) {
		OllamaProperties.Breaker breaker = ollama.breaker();
		CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
			.slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
			.slidingWindowSize(breaker.window())
			.minimumNumberOfCalls(breaker.minimumCalls())
			.failureRateThreshold(breaker.failureRateThreshold())
			.waitDurationInOpenState(breaker.openFor())
			.permittedNumberOfCallsInHalfOpenState(1)
			.automaticTransitionFromOpenToHalfOpenEnabled(true)
			.build());
		List<OllamaHost> hosts = ollama.hosts()
			.stream()
			.map(h -> new OllamaHost(h.id(), h.url(), h.slots(),
					h.models().stream().map(ModelNames::normalize).collect(Collectors.toSet()),
					breakers.circuitBreaker(h.id())))
			.toList();
		return new HostPool(hosts, ollama.routing(), workerTimer, nanoClock);
	}

	@Bean
	HostMetrics hostMetrics(HostPool hostPool) {
		return new HostMetrics(hostPool);
	}

	@Bean(destroyMethod = "close")
	KafkaProducer<byte[], byte[]> outcomeProducer(KafkaProperties kafka, IntakeProperties intake,
			MeterRegistry meters) {
		KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClientSettings.producer(kafka, intake));
		new KafkaClientMetrics(producer).bindTo(meters);
		return producer;
	}

	@Bean
	OutcomePublisher outcomePublisher(KafkaProducer<byte[], byte[]> outcomeProducer, RegistryProperties registry,
			TopicsProperties topics, IntakeProperties intake, OutcomeProperties outcome, IntakeCompletions completions,
			Clock workerClock, Scheduler workerTimer, MeterRegistry meters, JobTracing jobTracing) {
		KafkaAvroSerializer serializer = new KafkaAvroSerializer();
		serializer.configure(registry.serdeConfig(), false);
		return new OutcomePublisher(outcomeProducer, serializer, topics.results(), topics.deadLetter(),
				intake.groupId(), intake.workerId(), completions, workerClock, workerTimer, new OutcomeMetrics(meters),
				outcome.sendRetryDelay(), jobTracing);
	}

	@Bean
	IntakeCompletions intakeCompletions() {
		return new IntakeCompletions();
	}

	@Bean
	TimeoutEstimator timeoutEstimator(TimeoutProperties timeouts) {
		return new TimeoutEstimator(timeouts);
	}

	@Bean
	Preemption preemption(HostPool pool, SchedulingProperties scheduling, LongSupplier nanoClock) {
		SchedulingProperties.Preemption settings = scheduling.preemption();
		return new Preemption(pool, settings.lanes(), scheduling.weights(), settings.maxVictimAge(),
				settings.maxPerJob(), nanoClock);
	}

	@Bean
	JobExecutor jobExecutor(OllamaClient client, HostPool pool, OutcomePublisher outcomes, OllamaProperties ollama,
			TimeoutEstimator timeoutEstimator, Scheduler workerTimer, Clock workerClock, LongSupplier nanoClock,
			MeterRegistry meters, Preemption preemption, JobTracing jobTracing, TimeoutProperties timeouts) {
		return new JobExecutor(client, pool, outcomes, ollama, timeoutEstimator, workerTimer, workerClock, nanoClock,
				new Random(), new ExecutionMetrics(meters, timeouts.totalCeiling()), preemption, jobTracing);
	}

	/** The cancelled batches; filled by {@code BatchesConfiguration}'s reader. */
	@Bean
	CancelledBatches cancelledBatches() {
		return new CancelledBatches();
	}

	@Bean
	LaneScheduler laneScheduler(HostPool pool, JobExecutor executor, CancelledBatches cancelled, Preemption preemption,
			SchedulingProperties scheduling, LongSupplier nanoClock, Clock workerClock) {
		LaneScheduler scheduler = new LaneScheduler(pool, executor, executor, cancelled, preemption,
				scheduling.weights(), scheduling.aging(), nanoClock, workerClock);
		cancelled.onCancel(() -> {
			preemption.stopWhere(cancelled::covers);
			scheduler.withdrawCancelled();
		});
		return scheduler;
	}

	@Bean
	SchedulerMetrics schedulerMetrics(LaneScheduler laneScheduler) {
		return new SchedulerMetrics(laneScheduler);
	}

	@Bean
	IntakeLoop intakeLoop(KafkaProperties kafka, IntakeProperties intake, TopicsProperties topics,
			RegistryProperties registry, OllamaProperties ollama, SchedulingProperties scheduling,
			LaneScheduler scheduler, OutcomePublisher outcomes, IntakeCompletions completions, Clock workerClock,
			LongSupplier nanoClock, MeterRegistry meters, JobTracing jobTracing) {
		KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
		deserializer.configure(registry.serdeConfig(), false);
		Map<String, Lane> lanes = Map.of(topics.high(), Lane.HIGH, topics.normal(), Lane.NORMAL, topics.batch(),
				Lane.BATCH);
		KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KafkaClientSettings.consumer(kafka, intake));
		// the Kafka client's own metrics (kafka.consumer.*: records-lag per partition,
		// fetch and commit rates)
		new KafkaClientMetrics(consumer).bindTo(meters);
		IntakeLoop loop = new IntakeLoop(consumer, lanes, deserializer, new RequestValidator(ollama.maxPromptChars()),
				scheduler, outcomes, intake, scheduling, workerClock, nanoClock, jobTracing);
		completions.target(loop);
		return loop;
	}

	@Bean
	IntakeMetrics intakeMetrics(IntakeLoop intakeLoop) {
		return new IntakeMetrics(intakeLoop);
	}

	/** Actuator {@code hostPool}: in the readiness group (application.yml). */
	@Bean
	HostPoolHealthIndicator hostPoolHealthIndicator(HostPool pool) {
		return new HostPoolHealthIndicator(pool);
	}

	/**
	 * Actuator {@code intake}: in the liveness and readiness groups (application.yml).
	 */
	@Bean
	IntakeHealthIndicator intakeHealthIndicator(IntakeLoop intakeLoop, IntakeProperties intake) {
		return new IntakeHealthIndicator(intakeLoop, intake.livenessTimeout());
	}

	/**
	 * Splits each host's slots equally among the consumer group's members
	 * ({@code worker.ollama.slot-sharing.mode=static}).
	 */
	@Bean(destroyMethod = "close")
	@ConditionalOnProperty(name = "worker.ollama.slot-sharing.mode", havingValue = "static")
	SlotSharing slotSharing(KafkaProperties kafka, IntakeProperties intake, OllamaProperties ollama,
			IntakeLoop intakeLoop, HostPool pool, Scheduler workerTimer, LongSupplier nanoClock) {
		return new SlotSharing(Admin.create(KafkaClientSettings.admin(kafka, intake)), intake.groupId(),
				intakeLoop::memberId, intakeLoop::rebalances, pool, workerTimer, nanoClock,
				ollama.slotSharing().interval());
	}

	/**
	 * Splits each host's slots by demand across the fleet
	 * ({@code worker.ollama.slot-sharing.mode}, {@code demand} by default), over
	 * {@code worker.topics.fleet-state}; absent with {@code none}, when every worker uses
	 * all slots.
	 */
	@Bean(destroyMethod = "close")
	@ConditionalOnProperty(name = "worker.ollama.slot-sharing.mode", havingValue = "demand", matchIfMissing = true)
	DemandSharing demandSharing(KafkaProperties kafka, IntakeProperties intake, TopicsProperties topics,
			OllamaProperties ollama, SchedulingProperties scheduling, HostPool pool, LaneScheduler scheduler,
			Preemption preemption, LongSupplier nanoClock, Clock workerClock) {
		OllamaProperties.Sharing sharing = ollama.slotSharing();
		try (Admin admin = Admin.create(KafkaClientSettings.admin(kafka, intake))) {
			CompactedTopics.ensure(admin, topics.fleetState(), "worker.topics.fleet-state", 1);
		}
		return new DemandSharing(new KafkaProducer<>(KafkaClientSettings.fleetStateProducer(kafka, intake)),
				new KafkaConsumer<>(KafkaClientSettings.stateConsumer(kafka, intake, "fleet-state")),
				topics.fleetState(), intake.workerId(), pool, scheduler, preemption, scheduling.weights(),
				sharing.refresh(), sharing.staleAfter(), nanoClock, workerClock);
	}

	/** Actuator {@code kafka}: in the readiness group (application.yml). */
	@Bean
	KafkaHealthIndicator kafkaHealthIndicator(IntakeLoop intakeLoop, IntakeProperties intake) {
		return new KafkaHealthIndicator(intakeLoop, intake.kafkaHealthTimeout());
	}

	@Bean
	WorkerLifecycle workerLifecycle(IntakeLoop intakeLoop, HostPool pool, OllamaClient client, OllamaProperties ollama,
			IntakeProperties intake, LongSupplier nanoClock) {
		return new WorkerLifecycle(intakeLoop, pool, client, ollama.healthInterval(), intake.drainTimeout(),
				ollama.breaker().probeInterval(), nanoClock);
	}

}
