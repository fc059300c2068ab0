package dev.kow.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.kow.avro.InferenceResult;
import dev.kow.avro.Status;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import dev.kow.testkit.KafkaBroker;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Docker path of the broker fixture: the same pipeline on Testcontainers'
 * apache/kafka-native image. Skipped where no Docker engine answers; {@link PipelineIT}
 * runs the same scenario on the in-JVM broker (and on this image too, when Docker is
 * there).
 */
@Testcontainers(disabledWithoutDocker = true)
class KafkaContainerPipelineIT {

	@Test
	void everyModeSucceedsOnTheContainerBroker() throws Exception {
		try (KafkaBroker broker = KafkaBroker.startContainer();
				OllamaSimulator host = OllamaSimulator
					.start(SimConfig.defaults().withTimeScale(0.01).withNumParallel(2));
				Pipeline pipeline = new Pipeline(broker, "mock://container-" + System.nanoTime(), 2)) {
			pipeline.startWorker(2, host);
			pipeline.send(pipeline.high, 0, Pipeline.generate("g", "hello").build());
			pipeline.send(pipeline.normal, 0, Pipeline.chat("c", "hello").build());
			pipeline.send(pipeline.batch, 0, Pipeline.embed("e", "hello").build());
			Map<String, List<InferenceResult>> results = pipeline.awaitResults(3, Duration.ofSeconds(60));
			assertThat(results).hasSize(3);
			assertThat(results.values()).allSatisfy(r -> assertThat(r.get(0).getStatus()).isEqualTo(Status.SUCCEEDED));
		}
	}

}
