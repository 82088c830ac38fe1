-- Argo CD health check for kdflow.dev/KDExperiment.
--   Healthy      the training runs (Ready=True) or has succeeded (Succeeded=True)
--   Progressing  pending or initializing, or the operator has not observed the latest generation
--   Degraded     failed (Stalled=True, phase Failed) or the spec is invalid (reason InvalidSpec)
--   Suspended    spec.runPolicy.suspend is set (Suspended=True)
-- RestartRequired=True (the spec changed after the Job was built, or after the end) changes no
-- verdict: the run or its result stands; the message says a new spec.restartNonce applies it.
-- Written for Argo CD's Lua 5.1 (gopher-lua); the fixtures also run on Lua 5.4.
local hs = {}

local function whole(number)
  return string.format("%d", number)
end

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
local status = obj.status

if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the kdflow operator to observe the experiment"
  return hs
end

-- A status written for an older generation says nothing about the current spec.
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the kdflow operator to observe generation " .. whole(generation)
  return hs
end

-- Conditions of an older generation are ignored, like the status itself.
local function condition(conditionType)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == conditionType then
      if generation ~= nil and c.observedGeneration ~= nil and c.observedGeneration < generation then
        return nil
      end
      return c
    end
  end
  return nil
end

local function isTrue(c)
  return c ~= nil and c.status == "True"
end

local function describe(c, fallback)
  if c == nil then
    return fallback
  end
  local text = c.reason or fallback
  if c.message ~= nil and c.message ~= "" then
    text = text .. ": " .. c.message
  end
  return text
end

local function progressText()
  local p = status.progress
  if p == nil then
    return nil
  end
  if p.epoch ~= nil and p.totalEpochs ~= nil then
    return "epoch " .. whole(p.epoch) .. "/" .. whole(p.totalEpochs)
  end
  return p.summary
end

local stalled = condition("Stalled")
local succeeded = condition("Succeeded")
local ready = condition("Ready")
local suspended = condition("Suspended")
local restart = condition("RestartRequired")
local phase = status.phase

local function withRestartNote(text)
  if isTrue(restart) then
    return text .. "; restart required: set a new spec.restartNonce to apply the changed spec"
  end
  return text
end

if isTrue(stalled) then
  hs.status = "Degraded"
  if stalled.reason == "InvalidSpec" then
    hs.message = "Invalid spec: " .. (stalled.message or "see the Stalled condition")
  else
    hs.message = describe(stalled, "Stalled")
  end
  return hs
end

-- Stalled=True is the rule for every terminal failure; phase Failed alone also counts.
if phase == "Failed" then
  hs.status = "Degraded"
  if status.lastFailure ~= nil and status.lastFailure.reason ~= nil then
    local text = "Training failed: " .. status.lastFailure.reason
    if status.lastFailure.message ~= nil and status.lastFailure.message ~= "" then
      text = text .. ": " .. status.lastFailure.message
    end
    hs.message = text
  else
    hs.message = describe(succeeded, "Training failed")
  end
  return hs
end

if isTrue(suspended) or phase == "Suspended" then
  hs.status = "Suspended"
  hs.message = withRestartNote(describe(suspended, "Suspended"))
  return hs
end

if isTrue(succeeded) or phase == "Succeeded" then
  hs.status = "Healthy"
  local text = "Training succeeded"
  if status.metrics ~= nil and status.metrics.best ~= nil and status.metrics.best.top1 ~= nil then
    text = text .. "; best top1 " .. string.format("%.4f", status.metrics.best.top1)
  end
  if status.checkpoints ~= nil and status.checkpoints.best ~= nil and status.checkpoints.best.pvcPath ~= nil then
    text = text .. "; student checkpoint " .. status.checkpoints.best.pvcPath
  end
  hs.message = withRestartNote(text)
  return hs
end

if isTrue(ready) then
  hs.status = "Healthy"
  local text = "Training"
  local progress = progressText()
  if progress ~= nil then
    text = text .. ": " .. progress
  end
  hs.message = withRestartNote(text)
  return hs
end

hs.status = "Progressing"
if ready ~= nil and ready.message ~= nil and ready.message ~= "" then
  hs.message = ready.message
elseif phase ~= nil then
  hs.message = phase
else
  hs.message = "Waiting for the training Job to start"
end
return hs
