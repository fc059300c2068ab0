package dev.kow.worker.execution;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.kow.worker.config.OllamaProperties;
import dev.kow.worker.config.TimeoutProperties;
import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.hosts.SlotLease;
import dev.kow.worker.job.Job;
import dev.kow.worker.job.Lane;
import dev.kow.worker.job.LaneWeights;
import dev.kow.worker.offsets.SourceRecord;
import dev.kow.worker.ollama.FailureKind;
import dev.kow.worker.ollama.OllamaCallException;
import dev.kow.worker.ollama.OllamaFailures;
import dev.kow.worker.outcome.DeadLetterHeaders;
import dev.kow.worker.scheduling.Preemption;
import dev.kow.worker.testing.Fixtures;
import dev.kow.worker.telemetry.JobTracing;
import dev.kow.worker.testing.ScriptedOllama;
import dev.kow.worker.timeouts.TimeoutEstimator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The executor carries out each {@link AttemptOutcome}: what it publishes, where the job
 * goes next and what the host pool learns. Ollama is scripted; the pool, the publisher's
 * records and the timer are real.
 */
class JobExecutorTest {

	private final AtomicLong nanos = new AtomicLong();

	private final Clock clock = Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC);

	private final ScriptedOllama ollama = new ScriptedOllama();

	private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
			new ByteArraySerializer());

	private final List<SourceRecord> completed = new ArrayList<>();

	private final List<Job> requeued = new ArrayList<>();

	private final VirtualTimeScheduler timer = VirtualTimeScheduler.create();

	private final OllamaHost host = Fixtures.host("h0", 2);

	private final HostPool pool = Fixtures.pool(this.nanos::get, this.host);

	private final JobExecutor executor = new JobExecutor(this.ollama, this.pool,
			Fixtures.outcomes(this.producer, this.completed::add, Schedulers.immediate()),
			Fixtures.bind("worker.ollama", OllamaProperties.class,
					Map.of("worker.ollama.retry.max-attempts", "2", "worker.ollama.retry.initial-backoff", "1s")),
			new TimeoutEstimator(Fixtures.bind("worker.timeouts", TimeoutProperties.class, Map.of())), this.timer,
			this.clock, this.nanos::get, new Random(7),
			new ExecutionMetrics(new SimpleMeterRegistry(), Duration.ofMinutes(30)),
			new Preemption(this.pool, Set.of(), LaneWeights.DEFAULT, Duration.ZERO, 0, this.nanos::get),
			JobTracing.NOOP);

	private Job dispatch(Job job) {
		SlotLease lease = this.pool.tryAcquire(job.model(), job.lastHost()).orElseThrow();
		this.executor.dispatch(job, lease, this.requeued::add);
		return job;
	}

	private ScriptedOllama.Call lastCall() {
		return this.ollama.calls().getLast();
	}

	private List<String> topics() {
		return this.producer.history().stream().map(ProducerRecord::topic).toList();
	}

	private static String header(ProducerRecord<byte[], byte[]> record, String name) {
		return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
	}

	@Test
	void anAnswerIsPublishedAndTheSlotComesBackWithTheModelWarm() {
		Job job = dispatch(Fixtures.job(Lane.NORMAL, 0, null, 0));
		assertThat(this.pool.status(this.host).inFlight()).isOne();

		lastCall().answer(ScriptedOllama.answer("hello", 40));

		assertThat(topics()).containsExactly("results");
		assertThat(this.completed).containsExactly(job.source());
		assertThat(this.pool.status(this.host).inFlight()).isZero();
		assertThat(this.host.isWarm("m:latest")).isTrue();
		assertThat(this.requeued).isEmpty();
	}

	@Test
	void aTerminalFailureIsAFailedResultAndADeadLetterAtOnceAndNoHostFault() {
		dispatch(Fixtures.job(Lane.NORMAL, 0, null, 0));

		lastCall().fail(OllamaFailures.fromHttp("h0", 404, "{\"error\":\"model 'm' not found\"}"));

		assertThat(topics()).containsExactly("results", "dead-letter");
		assertThat(header(this.producer.history().get(1), DeadLetterHeaders.REASON)).isEqualTo("UNKNOWN_MODEL");
		assertThat(this.pool.status(this.host).failureRate()).as("the request's fault, not the host's").isZero();
		assertThat(this.requeued).isEmpty();
	}

	@Test
	void aRetryableFailureRequeuesAfterTheBackoffThenExhaustsTheAttempts() {
		Job job = dispatch(Fixtures.job(Lane.BATCH, 0, null, 0));
		lastCall().fail(OllamaFailures.fromHttp("h0", 500, "{\"error\":\"llama-server process has terminated\"}"));

		assertThat(this.requeued).as("not before its backoff").isEmpty();
		assertThat(this.pool.status(this.host).inFlight()).as("the slot is free during the backoff").isZero();
		assertThat(this.pool.status(this.host).failureRate()).isPositive();
		this.timer.advanceTimeBy(Duration.ofSeconds(1));
		assertThat(this.requeued).containsExactly(job);
		assertThat(job.failedAttempts()).singleElement()
			.satisfies(a -> assertThat(a.getErrorCategory()).isEqualTo("SERVER_ERROR"));

		dispatch(job);
		lastCall().fail(new OllamaCallException("h0", FailureKind.TRUNCATED, 200, 7, "no done chunk"));

		assertThat(topics()).containsExactly("results", "dead-letter");
		assertThat(header(this.producer.history().get(1), DeadLetterHeaders.REASON)).isEqualTo("RETRIES_EXHAUSTED");
		assertThat(job.failedAttempts()).hasSize(2)
			.last()
			.satisfies(a -> assertThat(a.getTokensBeforeFailure()).isEqualTo(7));
	}

	@Test
	void aFailureWhoseBackoffPassesTheDeadlineExpires() {
		dispatch(Fixtures.job(Lane.HIGH, 0, this.clock.instant(), 0));
		lastCall().fail(OllamaFailures.fromHttp("h0", 503, "{\"error\":\"server busy\"}"));

		assertThat(topics()).containsExactly("results", "dead-letter");
		assertThat(header(this.producer.history().get(1), DeadLetterHeaders.REASON)).isEqualTo("DEADLINE_EXPIRED");
		assertThat(this.pool.status(this.host).limit()).as("503 halves the adaptive limit").isOne();
	}

	@Test
	void aPreemptedAttemptGoesBackAtOnceWithoutUsingItsRetryBudget() {
		Job job = dispatch(Fixtures.job(Lane.BATCH, 0, null, 0));
		lastCall().stream();

		assertThat(job.preempt()).isTrue();

		assertThat(lastCall().cancelled()).as("the connection is closed").isTrue();
		assertThat(this.requeued).containsExactly(job);
		assertThat(job.countedAttempts()).isZero();
		assertThat(job.failedAttempts()).singleElement()
			.satisfies(a -> assertThat(a.getErrorCategory()).isEqualTo(JobExecutor.PREEMPTED));
		assertThat(this.pool.status(this.host).inFlight()).isZero();
		assertThat(topics()).isEmpty();
	}

	@Test
	void aCancelledJobPublishesNothingAndGivesItsSlotBack() {
		Job job = dispatch(Fixtures.job(Lane.NORMAL, 0, null, 0));

		job.cancel();

		assertThat(lastCall().cancelled()).isTrue();
		assertThat(this.pool.status(this.host).inFlight()).isZero();
		assertThat(this.pool.status(this.host).failureRate()).as("abandoned, not failed").isZero();
		assertThat(topics()).isEmpty();
		assertThat(this.requeued).isEmpty();
	}

	@Test
	void aCallThatCannotBeBuiltIsRetriedNotLost() {
		this.ollama.failNextCall(new IllegalStateException("no connection pool"));
		Job job = dispatch(Fixtures.job(Lane.NORMAL, 0, null, 0));

		assertThat(this.pool.status(this.host).inFlight()).as("the slot is given back").isZero();
		assertThat(job.failedAttempts()).singleElement()
			.satisfies(a -> assertThat(a.getErrorCategory()).isEqualTo("PROTOCOL"));
		this.timer.advanceTimeBy(Duration.ofSeconds(1));
		assertThat(this.requeued).containsExactly(job);
	}

}
