package dev.kow.worker;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import dev.kow.testkit.ApicurioRegistry;
import dev.kow.testkit.KafkaBroker;
import dev.kow.testkit.SharedFixtures;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A broker outage as the worker's probes see it: the standalone broker process is stopped
 * while the worker runs. Readiness turns DOWN with the {@code kafka} component DOWN (no
 * heartbeat with the group coordinator for {@code worker.intake.kafka-health-timeout}),
 * liveness stays UP (restarting the pod would not bring the broker back), and when the
 * broker is back the worker is ready again and processes the next request without a
 * restart.
 */
@ExtendWith(SharedFixtures.class)
class KafkaOutageIT {

	private KafkaBroker broker;

	private OllamaSimulator host;

	private Pipeline pipeline;

	@BeforeEach
	void start(ApicurioRegistry registry) {
		this.broker = KafkaBroker.startProcess();
		this.host = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.01).withNumParallel(2));
		this.pipeline = new Pipeline(this.broker, registry.confluentUrl(), 1);
	}

	@AfterEach
	void stop() throws Exception {
		this.pipeline.close();
		this.host.close();
		this.broker.close();
	}

	@Test
	void readinessFollowsTheBrokerAndLivenessDoesNot() throws Exception {
		var context = this.pipeline.startWorkerWith(2, this.host, "worker.intake.kafka-health-timeout=5s");
		int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
		this.pipeline.send(this.pipeline.normal, 0, Pipeline.generate("before", "prompt").build());
		assertThat(this.pipeline.awaitResults(1, Duration.ofSeconds(60))).containsKey("before");
		assertThat(get(port, "/actuator/health/readiness")).startsWith("200 ").contains("\"kafka\":{\"status\":\"UP\"");

		this.broker.stop();
		Awaitility.await()
			.atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(500))
			.untilAsserted(() -> assertThat(get(port, "/actuator/health/readiness")).startsWith("503 ")
				.contains("\"kafka\":{\"status\":\"DOWN\""));
		assertThat(get(port, "/actuator/health/liveness")).as("a broker outage is no reason to restart the worker")
			.startsWith("200 ");

		this.broker.restart();
		Awaitility.await()
			.atMost(Duration.ofSeconds(90))
			.pollInterval(Duration.ofMillis(500))
			.untilAsserted(() -> assertThat(get(port, "/actuator/health/readiness")).startsWith("200 "));
		this.pipeline.send(this.pipeline.normal, 0, Pipeline.generate("after", "prompt").build());
		assertThat(this.pipeline.awaitResults(2, Duration.ofSeconds(60))).containsKeys("before", "after");
	}

	private static String get(int port, String path) throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
					HttpResponse.BodyHandlers.ofString());
		return response.statusCode() + " " + response.body();
	}

}
