package dev.kow.demo;

import dev.kow.prompts.SamplePrompts;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code submit}: produce prompts from a JSONL file as GENERATE requests to one priority
 * topic.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
		description = "Produce prompts from JSONL to a priority topic.")
final class SubmitCommand implements Callable<Integer> {

	@Mixin
	KafkaOptions kafka = new KafkaOptions();

	@Option(names = "--prompts",
			description = "JSONL with a \"prompt\" per line (default: the bundled 2,000-prompt sample).")
	Path prompts;

	@Option(names = "--limit", defaultValue = "0", description = "At most this many prompts (0: all).")
	int limit;

	@Option(names = "--priority", defaultValue = "normal",
			description = "high, normal or batch (default ${DEFAULT-VALUE}).")
	Priority priority;

	@Option(names = "--topic", description = "Topic to produce to (default: the priority's default topic).")
	String topic;

	@Option(names = "--model", defaultValue = "llama3.1:8b", description = "Ollama model (default ${DEFAULT-VALUE}).")
	String model;

	@Option(names = "--num-predict", defaultValue = "256",
			description = "Ollama num_predict; 0 sends none (default ${DEFAULT-VALUE}).")
	int numPredict;

	@Override
	public Integer call() throws Exception {
		List<SamplePrompts.Prompt> list = SamplePrompts.read(this.prompts, this.limit);
		String target = this.topic != null ? this.topic : this.priority.topic;
		try (KafkaProducer<String, Object> producer = this.kafka.producer()) {
			for (SamplePrompts.Prompt prompt : list) {
				producer.send(new ProducerRecord<>(target, prompt.id(),
						Requests.generate(prompt, this.model, this.numPredict, this.priority)));
			}
			producer.flush();
		}
		System.out.printf("submitted %d request(s) to %s%n", list.size(), target);
		return 0;
	}

}
