package dev.kow.worker;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The shape of the worker's main code: capability packages without cycles, one injected
 * clock, host internals inside {@code hosts}.
 */
class ArchitectureTest {

	private static final JavaClasses MAIN = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.kow.worker");

	@Test
	void capabilityPackagesHaveNoCycles() {
		slices().matching("dev.kow.worker.(*)..").should().beFreeOfCycles().check(MAIN);
	}

	@Test
	void timeComesFromTheInjectedClocksOnly() {
		noClasses().that()
			.doNotHaveFullyQualifiedName(WorkerConfiguration.class.getName())
			.should()
			.callMethod(System.class, "nanoTime")
			.orShould()
			.callMethod(System.class, "currentTimeMillis")
			.orShould()
			.callMethod(java.time.Instant.class, "now")
			.check(MAIN);
	}

	@Test
	void onlyTheHostsPackageTouchesCircuitBreakers() {
		noClasses().that()
			.resideOutsideOfPackage("dev.kow.worker.hosts..")
			.and()
			.doNotHaveFullyQualifiedName(WorkerConfiguration.class.getName())
			.should()
			.dependOnClassesThat()
			.resideInAPackage("io.github.resilience4j.circuitbreaker..")
			.check(MAIN);
	}

}
