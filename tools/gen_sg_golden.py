#!/usr/bin/env python3
"""Golden values from SuperGradients' own code: KDLogitsLoss, NormalizationAdapter, KDModule.

The values come from SuperGradients 3.7.1 itself (not a reimplementation), so kdflow's
SuperGradients semantics are checked against SuperGradients. The trainer's SGGoldenTest reads the
output.

Run it (a virtual environment outside the repository; SuperGradients 3.7.1 needs Python 3.10):

    python3.10 -m venv ~/.cache/kdflow/sg-3.7.1
    ~/.cache/kdflow/sg-3.7.1/bin/pip install super-gradients==3.7.1 torch==2.7.1 torchvision==0.22.1
    ~/.cache/kdflow/sg-3.7.1/bin/python tools/gen_sg_golden.py \
        trainer-image/src/test/resources/golden/sg_golden.json

(The output is a file, not stdout: SuperGradients prints to stdout when imported.)
"""
import json
import sys

import super_gradients
import torch
from super_gradients.training.losses.kd_losses import KDLogitsLoss
from super_gradients.training.models.kd_modules.kd_module import KDModule, KDOutput
from super_gradients.training.utils.kd_trainer_utils import NormalizationAdapter
from super_gradients.training.utils.utils import HpmStruct

torch.manual_seed(20261129)

loss_cases = []
for (n, c, scale) in [(4, 10, 3.0), (8, 10, 1.0), (3, 5, 6.0), (12, 100, 3.0)]:
    s = (torch.randn(n, c) * scale).requires_grad_(True)
    t = torch.randn(n, c) * scale
    y = torch.randint(0, c, (n,))
    for coeff in [0.5, 0.9]:
        criterion = KDLogitsLoss(task_loss_fn=torch.nn.CrossEntropyLoss(),
                                 distillation_loss_coeff=coeff)
        total, parts = criterion(KDOutput(student_output=s, teacher_output=t), y)
        (grad,) = torch.autograd.grad(total, s)
        # SuperGradients' log items: (total, task, distillation)
        assert torch.equal(parts[0], total.detach())
        loss_cases.append({
            "distillation_loss_coeff": coeff,
            "student": s.detach().tolist(), "teacher": t.tolist(), "labels": y.tolist(),
            "expected": {"total": total.item(), "task": parts[1].item(),
                         "distill": parts[2].item(), "grad_student": grad.tolist()},
        })

mean_o, std_o = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
mean_r, std_r = [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]
adapter = NormalizationAdapter(mean_original=mean_o, std_original=std_o,
                               mean_required=mean_r, std_required=std_r)
x = torch.randn(2, 3, 4, 4)
adapter_case = {"mean_original": mean_o, "std_original": std_o, "mean_required": mean_r,
                "std_required": std_r, "input": x.tolist(), "expected": adapter(x).tolist()}

# KDModule forward: flatten + linear student and teacher; the teacher sees the adapted input.
student = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(48, 5))
teacher = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(48, 5))
module = KDModule(HpmStruct(teacher_input_adapter=adapter), student=student, teacher=teacher,
                  run_teacher_on_eval=True)
module.eval()
with torch.no_grad():
    out = module(x)
module_case = {
    "student_weight": student[1].weight.tolist(), "student_bias": student[1].bias.tolist(),
    "teacher_weight": teacher[1].weight.tolist(), "teacher_bias": teacher[1].bias.tolist(),
    "input": x.tolist(),
    "expected": {"student_output": out.student_output.tolist(),
                 "teacher_output": out.teacher_output.tolist()},
}

# run_teacher_on_eval: the teacher's mode while the KD module trains. A teacher with BatchNorm and
# trained-looking running statistics; the module in train mode, one forward pass.
teacher_modes = []
for run_teacher_on_eval in [True, False]:
    bn_teacher = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(48, 5),
                                     torch.nn.BatchNorm1d(5))
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        bn_teacher[1].weight.copy_(torch.randn(5, 48, generator=gen) * 0.2)
        bn_teacher[1].bias.copy_(torch.randn(5, generator=gen))
        bn_teacher[2].weight.copy_(torch.rand(5, generator=gen) + 0.5)
        bn_teacher[2].bias.copy_(torch.randn(5, generator=gen))
        bn_teacher[2].running_mean.copy_(torch.randn(5, generator=gen))
        bn_teacher[2].running_var.copy_(torch.rand(5, generator=gen) + 0.5)
    initial = {k: v.tolist() for k, v in bn_teacher.state_dict().items() if k != "2.num_batches_tracked"}
    bn_student = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(48, 5))
    kd = KDModule(HpmStruct(), student=bn_student, teacher=bn_teacher,
                  run_teacher_on_eval=run_teacher_on_eval)
    kd.train()
    xb = torch.randn(6, 3, 4, 4, generator=gen) * 2 + 0.5
    with torch.no_grad():
        o = kd(xb)
    teacher_modes.append({
        "run_teacher_on_eval": run_teacher_on_eval, "teacher": initial, "input": xb.tolist(),
        "expected": {"teacher_output": o.teacher_output.tolist(),
                     "running_mean": bn_teacher[2].running_mean.tolist(),
                     "running_var": bn_teacher[2].running_var.tolist()},
    })

with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"generator": "tools/gen_sg_golden.py",
               "super_gradients": super_gradients.__version__, "torch": torch.__version__,
               "kd_logits_loss": loss_cases, "normalization_adapter": adapter_case,
               "kd_module": module_case, "kd_module_teacher_mode": teacher_modes}, out)
