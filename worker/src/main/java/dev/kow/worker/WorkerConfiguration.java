package dev.kow.worker;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

import javax.net.ssl.SSLException;

import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.serde.KafkaAvroSerializer;
import dev.kow.worker.config.HostProperties;
import dev.kow.worker.config.IntakeProperties;
import dev.kow.worker.config.OllamaProperties;
import dev.kow.worker.config.RegistryProperties;
import dev.kow.worker.config.SchedulingProperties;
import dev.kow.worker.config.TimeoutProperties;
import dev.kow.worker.config.TopicsProperties;
import dev.kow.worker.execution.ExecutionMetrics;
import dev.kow.worker.health.HostPoolHealthIndicator;
import dev.kow.worker.health.IntakeHealthIndicator;
import dev.kow.worker.health.KafkaHealthIndicator;
import dev.kow.worker.execution.JobExecutor;
import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.hosts.SlotSharing;
import dev.kow.worker.intake.IntakeLoop;
import dev.kow.worker.intake.RequestValidator;
import dev.kow.worker.ollama.HostAccess;
import dev.kow.worker.ollama.ModelNames;
import dev.kow.worker.ollama.OllamaClient;
import dev.kow.worker.outcome.OutcomeMetrics;
import dev.kow.worker.outcome.OutcomePublisher;
import dev.kow.worker.scheduling.Lane;
import dev.kow.worker.scheduling.LaneScheduler;
import dev.kow.worker.scheduling.Preemption;
import dev.kow.worker.timeouts.TimeoutEstimator;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Builds the worker from its validated properties. Kafka client settings (bootstrap servers,
 * security, tuning) come from Spring Boot's {@code spring.kafka.*}; the worker overrides only what
 * correctness needs (manual commits, byte-array serdes, idempotent {@code acks=all} producer,
 * cooperative rebalancing).
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
	 * The Ollama client, with each host's {@code Authorization} header and, for a host with an
	 * {@code ssl-bundle}, a TLS context built from that Spring Boot SSL bundle.
	 * @throws org.springframework.boot.ssl.NoSuchSslBundleException at startup when a host names a
	 * bundle that is not configured
	 */
	@Bean(destroyMethod = "close")
	OllamaClient ollamaClient(Scheduler workerTimer, OllamaProperties ollama, SslBundles sslBundles) {
		Map<String, HostAccess> access = new HashMap<>();
		for (var host : ollama.hosts()) {
			SslContext tls = null;
			if (host.sslBundle() != null && !host.sslBundle().isBlank()) {
				SslManagerBundle managers = sslBundles.getBundle(host.sslBundle()).getManagers();
				try {
					tls = SslContextBuilder.forClient().keyManager(managers.getKeyManagerFactory())
						.trustManager(managers.getTrustManagerFactory()).build();
				}
				catch (SSLException ex) {
					throw new IllegalStateException("worker.ollama.hosts[].ssl-bundle '" + host.sslBundle() + "' of host "
							+ host.id() + " gives no usable TLS context: " + ex.getMessage(), ex);
				}
			}
			access.put(host.id(), new HostAccess(host.authorization(), tls));
		}
		return new OllamaClient(workerTimer, System::nanoTime, access);
	}

	@Bean
	HostPool hostPool(OllamaProperties ollama, LongSupplier nanoClock, Scheduler workerTimer, MeterRegistry meters) {
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
		List<OllamaHost> hosts = ollama.hosts().stream()
			.map(h -> new OllamaHost(h.id(), h.url(), h.slots(),
					h.models().stream().map(ModelNames::normalize).collect(Collectors.toSet()), breakers.circuitBreaker(h.id())))
			.toList();
		OllamaProperties.Routing routing = ollama.routing();
		HostPool pool = new HostPool(hosts, nanoClock, routing.failurePenalty(), routing.failureHalfLife(),
				routing.degradedFailureRate(), routing.degradedMaxHold(), workerTimer);
		for (OllamaHost host : hosts) {
			Gauge.builder("kow.host.in.flight", pool, p -> p.inFlight(host)).tag("host", host.id()).register(meters);
			Gauge.builder("kow.host.slots", host, OllamaHost::slots).tag("host", host.id()).register(meters);
			Gauge.builder("kow.host.limit", host, h -> h.limit().current()).tag("host", host.id()).register(meters);
			Gauge.builder("kow.host.share", host, OllamaHost::share).tag("host", host.id())
				.description("This worker's share of the host's slots (all of them without slot sharing)").register(meters);
			Gauge.builder("kow.host.failure.rate", pool, p -> p.failureRate(host)).tag("host", host.id())
				.description("Recent host failures per attempt (decaying), which ranks the host behind healthy ones")
				.register(meters);
			Gauge.builder("kow.host.degraded", pool, p -> p.degraded(host) ? 1 : 0).tag("host", host.id())
				.description("1 while the host's failure rate is at or above routing.degraded-failure-rate: jobs wait "
						+ "briefly for a healthy slot before taking one of its slots")
				.register(meters);
			Gauge.builder("kow.host.circuit.open", host, h -> h.breaker().getState().name().startsWith("OPEN") ? 1 : 0)
				.tag("host", host.id()).register(meters);
		}
		return pool;
	}

	@Bean(destroyMethod = "close")
	KafkaProducer<byte[], byte[]> outcomeProducer(KafkaProperties kafka, IntakeProperties intake, MeterRegistry meters) {
		Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
		config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		config.put(ProducerConfig.ACKS_CONFIG, "all");
		config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
		config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
		config.put(ProducerConfig.CLIENT_ID_CONFIG, intake.workerId() + "-outcomes");
		KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config);
		new KafkaClientMetrics(producer).bindTo(meters);
		return producer;
	}

	@Bean
	OutcomePublisher outcomePublisher(KafkaProducer<byte[], byte[]> outcomeProducer, RegistryProperties registry,
			TopicsProperties topics, IntakeProperties intake, IntakeCompletions completions, Clock workerClock,
			Scheduler workerTimer, MeterRegistry meters) {
		KafkaAvroSerializer serializer = new KafkaAvroSerializer();
		serializer.configure(registry.serdeConfig(), false);
		return new OutcomePublisher(outcomeProducer, serializer, topics.results(), topics.deadLetter(), intake.groupId(),
				intake.workerId(), completions, workerClock, workerTimer, new OutcomeMetrics(meters));
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
		int[] weights = { scheduling.highWeight(), scheduling.normalWeight(), scheduling.batchWeight() };
		return new Preemption(pool, settings.lanes(), weights, settings.maxVictimAge(), settings.maxPerJob(),
				nanoClock);
	}

	@Bean
	JobExecutor jobExecutor(OllamaClient client, HostPool pool, OutcomePublisher outcomes, OllamaProperties ollama,
			TimeoutEstimator timeoutEstimator, Scheduler workerTimer, Clock workerClock, LongSupplier nanoClock,
			MeterRegistry meters, Preemption preemption) {
		return new JobExecutor(client, pool, outcomes, ollama, timeoutEstimator, workerTimer, workerClock, nanoClock,
				new java.util.Random(), new ExecutionMetrics(meters), preemption);
	}

	@Bean
	LaneScheduler laneScheduler(HostPool pool, JobExecutor executor, Preemption preemption,
			SchedulingProperties scheduling, LongSupplier nanoClock, Clock workerClock, MeterRegistry meters) {
		int[] weights = { scheduling.highWeight(), scheduling.normalWeight(), scheduling.batchWeight() };
		LaneScheduler scheduler = new LaneScheduler(pool, executor, executor, preemption, weights, scheduling.aging(),
				nanoClock, workerClock);
		executor.retryInto(scheduler);
		for (Lane lane : Lane.values()) {
			Gauge.builder("kow.lane.waiting", scheduler, s -> s.waiting(lane)).tag("lane", lane.key()).register(meters);
		}
		return scheduler;
	}

	@Bean
	IntakeLoop intakeLoop(KafkaProperties kafka, IntakeProperties intake, TopicsProperties topics,
			RegistryProperties registry, OllamaProperties ollama, SchedulingProperties scheduling,
			LaneScheduler scheduler, OutcomePublisher outcomes, IntakeCompletions completions, Clock workerClock,
			LongSupplier nanoClock, MeterRegistry meters) {
		Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
		config.put(ConsumerConfig.GROUP_ID_CONFIG, intake.groupId());
		config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
		config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
		config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
		config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		// A partition can overshoot its buffer cap by one poll; keep a poll small against the caps.
		config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
		config.put(ConsumerConfig.CLIENT_ID_CONFIG, intake.workerId());
		KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
		deserializer.configure(registry.serdeConfig(), false);
		Map<String, Lane> lanes = Map.of(topics.high(), Lane.HIGH, topics.normal(), Lane.NORMAL, topics.batch(),
				Lane.BATCH);
		KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config);
		// the Kafka client's own metrics (kafka.consumer.*: records-lag per partition, fetch and commit rates)
		new KafkaClientMetrics(consumer).bindTo(meters);
		IntakeLoop loop = new IntakeLoop(consumer, lanes, deserializer,
				new RequestValidator(ollama.maxPromptChars()), scheduler, outcomes, intake, scheduling, workerClock,
				nanoClock);
		completions.target(loop);
		for (Lane lane : Lane.values()) {
			Gauge.builder("kow.lane.buffered", loop, l -> l.buffered(lane)).tag("lane", lane.key()).register(meters);
			Gauge.builder("kow.lane.backlog", loop, l -> l.backlog(lane)).tag("lane", lane.key())
				.description("Records of the lane not yet done: on Kafka past the fetch position, or read and not done")
				.register(meters);
		}
		io.micrometer.core.instrument.FunctionCounter.builder("kow.intake.partition.pauses", loop, IntakeLoop::pauses)
			.register(meters);
		return loop;
	}

	/** Actuator {@code hostPool}: in the readiness group (application.yml). */
	@Bean
	HostPoolHealthIndicator hostPoolHealthIndicator(HostPool pool) {
		return new HostPoolHealthIndicator(pool);
	}

	/** Actuator {@code intake}: in the liveness and readiness groups (application.yml). */
	@Bean
	IntakeHealthIndicator intakeHealthIndicator(IntakeLoop intakeLoop) {
		return new IntakeHealthIndicator(intakeLoop, Duration.ofSeconds(60));
	}

	/**
	 * Splits each host's slots among the consumer group's members ({@code worker.ollama.slot-sharing.mode},
	 * {@code group} by default); absent with {@code none}, when every worker uses all slots.
	 */
	@Bean(destroyMethod = "close")
	@ConditionalOnProperty(name = "worker.ollama.slot-sharing.mode", havingValue = "group", matchIfMissing = true)
	SlotSharing slotSharing(KafkaProperties kafka, IntakeProperties intake, OllamaProperties ollama,
			IntakeLoop intakeLoop, HostPool pool, Scheduler workerTimer, LongSupplier nanoClock) {
		Map<String, Object> config = new HashMap<>(kafka.buildAdminProperties());
		config.put(AdminClientConfig.CLIENT_ID_CONFIG, intake.workerId() + "-slot-sharing");
		return new SlotSharing(Admin.create(config), intake.groupId(), intakeLoop::memberId, intakeLoop::rebalances,
				pool, workerTimer, nanoClock, ollama.slotSharing().interval());
	}

	/** Actuator {@code kafka}: in the readiness group (application.yml). */
	@Bean
	KafkaHealthIndicator kafkaHealthIndicator(IntakeLoop intakeLoop, IntakeProperties intake) {
		return new KafkaHealthIndicator(intakeLoop, intake.kafkaHealthTimeout());
	}

	@Bean
	WorkerLifecycle workerLifecycle(IntakeLoop intakeLoop, HostPool pool, OllamaClient client, OllamaProperties ollama,
			IntakeProperties intake) {
		return new WorkerLifecycle(intakeLoop, pool, client, ollama.healthInterval(), intake.drainTimeout(),
				ollama.breaker().probeInterval());
	}
}
