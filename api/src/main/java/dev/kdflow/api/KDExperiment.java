package dev.kdflow.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A knowledge-distillation experiment: the training recipe (student, teacher, KD loss, training
 * parameters, dataset, checkpoints) plus, for clusters, the resources and policies of the training
 * Job. The same manifest runs locally with {@code kdflow run} and on a cluster through the
 * operator.
 */
@Group(KDExperiment.GROUP)
@Version(KDExperiment.VERSION)
@Kind(KDExperiment.KIND)
@Plural(KDExperiment.PLURAL)
@Singular("kdexperiment")
@ShortNames(KDExperiment.SHORT_NAME)
@Categories(KDExperiment.CATEGORY)
@AdditionalPrinterColumn(
    name = "Phase",
    type = AdditionalPrinterColumn.Type.STRING,
    jsonPath = ".status.phase",
    getDescription = "Lifecycle phase.")
@AdditionalPrinterColumn(
    name = "Ready",
    type = AdditionalPrinterColumn.Type.STRING,
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    getDescription = "The applied generation is training or has succeeded.")
@AdditionalPrinterColumn(
    name = "Epoch",
    type = AdditionalPrinterColumn.Type.STRING,
    jsonPath = ".status.progress.summary",
    getDescription = "Finished epochs / total epochs.")
@AdditionalPrinterColumn(
    name = "Best-Top1",
    type = AdditionalPrinterColumn.Type.NUMBER,
    jsonPath = ".status.metrics.best.top1",
    getDescription = "Best validation top-1 accuracy of the student.")
@AdditionalPrinterColumn(
    name = "Age",
    type = AdditionalPrinterColumn.Type.DATE,
    jsonPath = ".metadata.creationTimestamp")
@AdditionalPrinterColumn(
    name = "Student",
    type = AdditionalPrinterColumn.Type.STRING,
    jsonPath = ".spec.student.architecture",
    priority = 1,
    getDescription = "Student architecture.")
@AdditionalPrinterColumn(
    name = "Teacher",
    type = AdditionalPrinterColumn.Type.STRING,
    jsonPath = ".spec.teacher.architecture",
    priority = 1,
    getDescription = "Teacher architecture (empty for a TorchScript teacher).")
@SchemaCustomizer(value = SchemaPatch.class, input = KDExperiment.SCHEMA_PATCH)
public class KDExperiment extends CustomResource<KDExperimentSpec, KDExperimentStatus>
    implements Namespaced {
  private static final long serialVersionUID = 1L;

  /**
   * The descriptions kubectl explain shows for the kind, {@code .spec} and {@code .status}: their
   * fields are declared in Fabric8's CustomResource, where no annotation can describe them.
   */
  static final String SCHEMA_PATCH =
      """
      {"description": "A knowledge-distillation experiment: a student trained from a frozen \
      teacher. The operator runs it as a Job and reports progress, metrics and checkpoints in \
      the status; kdflow run runs the same manifest locally.",
       "properties": {
         "spec": {"description": "The desired state: the training recipe (student, teacher, kd, \
      training, dataset, checkpoints) the trainer runs, and how it runs on a cluster (image, \
      resources, scheduling, podTemplate, storage, runPolicy)."},
         "status": {"description": "The observed state, written by the operator: phase, \
      conditions, the current attempt, progress, metrics and checkpoints reported by the \
      trainer, and the last failure."}}}
      """;

  public static final String GROUP = "kdflow.dev";
  public static final String VERSION = "v1alpha1";
  public static final String KIND = "KDExperiment";
  public static final String PLURAL = "kdexperiments";
  public static final String SHORT_NAME = "kdx";
  public static final String CATEGORY = "kdflow";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  @Override
  protected KDExperimentSpec initSpec() {
    return new KDExperimentSpec();
  }

  @Override
  protected KDExperimentStatus initStatus() {
    return null;
  }
}
