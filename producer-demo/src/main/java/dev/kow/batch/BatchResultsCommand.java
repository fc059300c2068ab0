package dev.kow.batch;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.kow.avro.InferenceResult;
import dev.kow.avro.Status;
import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.worker.batches.BatchRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code batch results ID --output FILE --errors FILE [--partial]}: the batch's output
 * and error files in the OpenAI Batch output format, one line per input line that has an
 * outcome (a result published twice after a crash is written once), read from the results
 * topic from the offsets recorded when the batch was submitted, not from its start. While
 * the batch runs it refuses unless {@code --partial}; the summary it prints says whether
 * the files are partial.
 */
@Command(name = "results", mixinStandardHelpOptions = true,
		description = "Write a batch's output and error files (OpenAI Batch output format).")
public final class BatchResultsCommand implements Callable<Integer> {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Mixin
	ClusterOptions cluster = new ClusterOptions();

	@Mixin
	BatchTopicOptions topics = new BatchTopicOptions();

	@Parameters(index = "0", paramLabel = "ID", description = "The batch id.")
	String id = "";

	@Option(names = "--output", required = true, paramLabel = "FILE", description = "Where answered lines go.")
	Path output = Path.of("output.jsonl");

	@Option(names = "--errors", required = true, paramLabel = "FILE",
			description = "Where failed, expired and cancelled lines go.")
	Path errors = Path.of("errors.jsonl");

	@Option(names = "--partial", description = "Write what there is while the batch still runs.")
	boolean partial;

	@Override
	public Integer call() throws Exception {
		try (KafkaConsumer<String, byte[]> reader = this.cluster.reader()) {
			Optional<BatchView> view = BatchRecords.find(reader, this.topics, this.id);
			if (view.isEmpty()) {
				return 1;
			}
			BatchRecord batch = view.get().batch();
			Map<String, InferenceResult> lines = read(reader, this.cluster.deserializer(), this.topics.results, batch);
			boolean complete = lines.size() >= batch.total();
			if (!complete && !this.partial) {
				System.err.printf("batch %s is %s: %d of %d line(s) have an outcome; --partial writes them%n", this.id,
						view.get().status(java.time.Instant.now().getEpochSecond()), lines.size(), batch.total());
				return 3;
			}
			int written = 0;
			int failed = 0;
			try (BufferedWriter out = Files.newBufferedWriter(this.output, StandardCharsets.UTF_8);
					BufferedWriter err = Files.newBufferedWriter(this.errors, StandardCharsets.UTF_8)) {
				for (InferenceResult result : lines.values()) {
					BufferedWriter target = (result.getStatus() == Status.SUCCEEDED) ? out : err;
					target.write(JSON.writeValueAsString(OutputLines.of(result)));
					target.newLine();
					if (target == out) {
						written++;
					}
					else {
						failed++;
					}
				}
			}
			Map<String, Object> summary = new LinkedHashMap<>();
			summary.put("batch_id", this.id);
			summary.put("partial", !complete);
			summary.put("total", batch.total());
			summary.put("output_lines", written);
			summary.put("error_lines", failed);
			summary.put("output", this.output.toString());
			summary.put("errors", this.errors.toString());
			System.out.println(JSON.writeValueAsString(summary));
			return 0;
		}
	}

	/**
	 * @return the batch's results by custom id, the first of duplicates kept, in the
	 * order read
	 */
	static Map<String, InferenceResult> read(KafkaConsumer<String, byte[]> reader, KafkaAvroDeserializer deserializer,
			String topic, BatchRecord batch) {
		Map<String, InferenceResult> lines = new LinkedHashMap<>();
		TopicReads.batch(reader, topic, batch.resultsFrom(), batch.requestIdPrefix(), record -> {
			try {
				if (deserializer.deserialize(topic, record.value()) instanceof InferenceResult result
						&& batch.id().equals(String.valueOf(result.getBatchId()))) {
					lines.putIfAbsent(String.valueOf(result.getCustomId()), result);
				}
			}
			catch (KafkaException ex) {
				// not a result this command can read: not one of this batch's
			}
		});
		return lines;
	}

}
