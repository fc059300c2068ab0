package dev.kow.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.kow.avro.GenerationOptions;
import dev.kow.avro.InferenceResult;
import dev.kow.avro.Status;
import dev.kow.sim.Fault;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import dev.kow.testkit.ApicurioRegistry;
import dev.kow.testkit.KafkaBroker;
import dev.kow.testkit.SharedFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No request is lost under each fault the simulator injects, and healthy hosts take over.
 */
@ExtendWith(SharedFixtures.class)
class FaultsIT {

	private OllamaSimulator sick;

	private OllamaSimulator healthy;

	private Pipeline pipeline;

	@BeforeEach
	void start(KafkaBroker broker, ApicurioRegistry registry) {
		SimConfig config = SimConfig.defaults().withTimeScale(0.02).withNumParallel(2);
		this.sick = OllamaSimulator.start(config);
		this.healthy = OllamaSimulator.start(config);
		this.pipeline = new Pipeline(broker, registry.confluentUrl(), 2);
		preload(this.sick);
		preload(this.healthy);
	}

	/**
	 * Loads the model (Ollama's empty-prompt load request), so both hosts start warm as
	 * in a running fleet.
	 */
	private static void preload(OllamaSimulator host) {
		try {
			java.net.http.HttpClient.newHttpClient()
				.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(host.baseUrl() + "/api/generate"))
					.POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.1:8b\"}"))
					.build(), java.net.http.HttpResponse.BodyHandlers.discarding());
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	@AfterEach
	void stop() {
		this.pipeline.close();
		this.sick.close();
		this.healthy.close();
	}

	private Map<String, List<InferenceResult>> runAll(int total) {
		for (int i = 0; i < total; i++) {
			this.pipeline.send(this.pipeline.normal, i % 2,
					Pipeline.generate("f" + i, "prompt " + i)
						.setOptions(GenerationOptions.newBuilder().setNumPredict(40).build())
						.build());
		}
		return this.pipeline.awaitResults(total, Duration.ofSeconds(120));
	}

	@ParameterizedTest
	@EnumSource(value = Fault.class, mode = EnumSource.Mode.EXCLUDE, names = "NONE")
	void everyRequestSucceedsDespiteTheFault(Fault fault) {
		this.sick.faults().slowFirstToken(Duration.ofSeconds(1000)).rate(fault, 0.5);
		this.pipeline.startWorker(2, this.sick, this.healthy);
		Map<String, List<InferenceResult>> results = runAll(60);

		assertThat(results).as("no request lost").hasSize(60);
		assertThat(results.values())
			.allSatisfy(list -> assertThat(list.get(0).getStatus()).isEqualTo(Status.SUCCEEDED));
		long retried = results.values().stream().filter(list -> !list.get(0).getAttemptLog().isEmpty()).count();
		assertThat(retried).as("the fault was met and retried").isPositive();
		assertThat(results.values().stream().flatMap(l -> l.get(0).getAttemptLog().stream()))
			.allSatisfy(attempt -> assertThat(attempt.getHost()).isEqualTo("sim0"));
	}

	@Test
	void aHostThatGoesDownLosesNothingAndItsBreakerOpens() {
		this.pipeline.startWorker(2, this.sick, this.healthy);
		this.sick.downFor(Duration.ofSeconds(20));
		Map<String, List<InferenceResult>> results = runAll(60);

		assertThat(results).hasSize(60);
		assertThat(results.values())
			.allSatisfy(list -> assertThat(list.get(0).getStatus()).isEqualTo(Status.SUCCEEDED));
		long onSick = results.values().stream().filter(list -> "sim0".equals(list.get(0).getHost())).count();
		assertThat(onSick).as("the down host served nothing").isZero();
		long failedOnSick = results.values().stream().mapToLong(list -> list.get(0).getAttemptLog().size()).sum();
		assertThat(failedOnSick).as("the breaker stopped traffic to the dead host after a few failures").isLessThan(15);
	}

}
