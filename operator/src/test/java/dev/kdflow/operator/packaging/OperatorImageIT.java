package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Node;

/** The operator image Jib builds is the one the chart's Deployment expects. */
class OperatorImageIT {
  static Document pom;
  static XPath xpath = XPathFactory.newInstance().newXPath();
  static final String JIB =
      "/project/build/plugins/plugin[artifactId='jib-maven-plugin'"
          + " and groupId='com.google.cloud.tools']";

  @BeforeAll
  static void readPom() throws Exception {
    Path file = RepositoryFiles.resolve("operator/pom.xml");
    pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
  }

  static String jib(String path) throws Exception {
    return xpath.evaluate(JIB + path, pom).strip();
  }

  @Test
  void jibBuildsTheOperatorMainClassAsANonRootUserOnDemandOnly() throws Exception {
    assertThat(jib("/version")).isEqualTo("3.5.2");
    assertThat(jib("/configuration/container/mainClass"))
        .isEqualTo("dev.kdflow.operator.KDFlowOperator");
    assertThat(jib("/configuration/from/image")).isNotEmpty();
    assertThat((Node) xpath.evaluate(JIB + "/executions", pom, XPathConstants.NODE))
        .as("jib needs a registry, so it is not bound to the default lifecycle")
        .isNull();
    String profile =
        "/project/profiles/profile[id='image']/build/plugins/plugin[artifactId='jib-maven-plugin']";
    assertThat(xpath.evaluate(profile + "/executions/execution/phase", pom).strip())
        .as("-Pimage builds the image when the operator is packaged")
        .isEqualTo("package");
    assertThat(xpath.evaluate(profile + "/executions/execution/goals/goal", pom).strip())
        .isEqualTo("${jib.goal}");
    assertThat(xpath.evaluate("/project/profiles/profile[id='image']/properties/jib.goal", pom))
        .isEqualTo("build");
  }

  @Test
  void imageNamePortAndUserMatchTheChart() throws Exception {
    RenderedChart chart = RenderedChart.render(Map.of());
    Deployment deployment = chart.one(Deployment.class);
    Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    PodSecurityContext pod = deployment.getSpec().getTemplate().getSpec().getSecurityContext();

    String repository = container.getImage().substring(0, container.getImage().lastIndexOf(':'));
    assertThat(repository).endsWith("/" + jib("/configuration/to/image"));
    assertThat(Integer.parseInt(jib("/configuration/container/ports/port")))
        .isEqualTo(container.getPorts().get(0).getContainerPort());
    assertThat(jib("/configuration/container/user"))
        .isEqualTo(pod.getRunAsUser() + ":" + pod.getRunAsGroup());
  }
}
