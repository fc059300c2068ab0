package dev.kow.worker.ollama;

import java.net.URI;
import java.time.Duration;

import dev.kow.sim.Fault;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client against the simulator over real HTTP: answers, and each failure class. */
class OllamaClientTest {

	private final OllamaSimulator sim = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.01));

	private final OllamaClient client = new OllamaClient(Schedulers.parallel(), System::nanoTime);

	private final CallBudget budget = new CallBudget(Duration.ofSeconds(5), Duration.ofMillis(500),
			Duration.ofSeconds(20));

	@AfterEach
	void stop() {
		this.client.close();
		this.sim.close();
	}

	private OllamaCall generate(String model) {
		ObjectNode body = JsonMapper.builder()
			.build()
			.createObjectNode()
			.put("model", model)
			.put("prompt", "hello")
			.put("stream", true);
		body.putObject("options").put("num_predict", 20);
		return new OllamaCall("/api/generate", body, model);
	}

	private OllamaAnswer call(OllamaCall call) {
		return this.client.call("sim", URI.create(this.sim.baseUrl()), call, this.budget).block(Duration.ofSeconds(30));
	}

	@Test
	void readsAStreamedAnswerWithItsMetrics() {
		OllamaAnswer answer = call(generate("llama3.1:8b"));
		assertThat(answer.text()).isNotBlank();
		assertThat(answer.doneReason()).isIn("stop", "length");
		assertThat(answer.evalCount()).isBetween(1, 20);
		assertThat(answer.totalDurationNanos()).isGreaterThanOrEqualTo(answer.evalDurationNanos());
	}

	@Test
	void classifiesEachFailure() {
		assertKind(generate("nope:1b"), FailureKind.MODEL_NOT_FOUND);
		this.sim.faults().next(Fault.BUSY_503);
		assertKind(generate("llama3.1:8b"), FailureKind.SERVER_BUSY);
		this.sim.faults().next(Fault.ERROR_500);
		assertKind(generate("llama3.1:8b"), FailureKind.SERVER_ERROR);
		this.sim.faults().next(Fault.ERROR_LINE);
		assertKind(generate("llama3.1:8b"), FailureKind.STREAM_ERROR);
		this.sim.faults().next(Fault.TRUNCATED_STREAM);
		assertKind(generate("llama3.1:8b"), FailureKind.TRUNCATED);
		this.sim.faults().next(Fault.STALL_MIDSTREAM);
		assertKind(generate("llama3.1:8b"), FailureKind.STREAM_STALL);
		this.sim.faults().next(Fault.CONNECTION_RESET);
		assertKind(generate("llama3.1:8b"), FailureKind.CONNECTION);
		assertThat(FailureKind.MODEL_NOT_FOUND.retryable()).isFalse();
		assertThat(FailureKind.STREAM_STALL.retryable()).isTrue();
	}

	@Test
	void aStreamThatStopsIsCutOneStallBudgetAfterItsLastLineNotAtTheFirstTokenBudget() {
		this.sim.faults().next(Fault.STALL_MIDSTREAM);
		long start = System.nanoTime();
		assertKind(generate("llama3.1:8b"), FailureKind.STREAM_STALL);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(this.budget.streamStall())
			.isLessThan(this.budget.timeToFirstToken());
	}

	@Test
	void aCallOvertakenByALaterCallToTheSameModelGivesUpLongBeforeItsFirstTokenBudget() throws InterruptedException {
		try (OllamaSimulator twoSlots = OllamaSimulator
			.start(SimConfig.defaults().withTimeScale(0.01).withNumParallel(2))) {
			URI url = URI.create(twoSlots.baseUrl());
			CallBudget overtakable = new CallBudget(Duration.ofSeconds(20), Duration.ofMillis(500),
					Duration.ofSeconds(30), Duration.ofMillis(300));
			this.client.call("sim2", url, generate("llama3.1:8b"), overtakable).block(Duration.ofSeconds(30)); // loads
																												// it
			twoSlots.faults().slowFirstToken(Duration.ofSeconds(1000)).next(Fault.SLOW_FIRST_TOKEN); // 10
																										// s
																										// here
			long start = System.nanoTime();
			var stuck = this.client.call("sim2", url, generate("llama3.1:8b"), overtakable).toFuture();
			Thread.sleep(200); // so that the simulator draws the scripted fault for the
								// first call, not the second
			OllamaAnswer later = this.client.call("sim2", url, generate("llama3.1:8b"), overtakable)
				.block(Duration.ofSeconds(30));
			assertThat(later.text()).isNotBlank();
			assertThatThrownBy(() -> stuck.get(30, java.util.concurrent.TimeUnit.SECONDS)).cause()
				.isInstanceOfSatisfying(OllamaCallException.class, e -> {
					assertThat(e.kind()).isEqualTo(FailureKind.TTFT_TIMEOUT);
					assertThat(e.getMessage()).contains("a call sent later");
				});
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("before the delayed first token would have come")
				.isGreaterThanOrEqualTo(Duration.ofMillis(300))
				.isLessThan(Duration.ofSeconds(10));
		}
	}

	@Test
	void aHostBehindAnAuthenticatingProxyGetsItsAuthorizationHeader() {
		this.sim.requireAuthorization("Bearer t0k3n");
		assertThatThrownBy(() -> call(generate("llama3.1:8b"))).isInstanceOfSatisfying(OllamaCallException.class,
				e -> assertThat(e.status()).isEqualTo(401));
		try (OllamaClient authorized = new OllamaClient(Schedulers.parallel(), System::nanoTime,
				java.util.Map.of("sim", new HostAccess("Bearer t0k3n", null)))) {
			OllamaAnswer answer = authorized
				.call("sim", URI.create(this.sim.baseUrl()), generate("llama3.1:8b"), this.budget)
				.block(Duration.ofSeconds(30));
			assertThat(answer.text()).isNotBlank();
		}
	}

	private void assertKind(OllamaCall call, FailureKind kind) {
		assertThatThrownBy(() -> call(call)).isInstanceOfSatisfying(OllamaCallException.class,
				e -> assertThat(e.kind()).isEqualTo(kind));
	}

}
