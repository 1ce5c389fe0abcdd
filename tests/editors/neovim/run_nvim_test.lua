-- Drives a real headless Neovim through the plugin and the server, and writes what it observed
-- as JSON to input.result_path; test_neovim.py asserts on that file. Every wait is vim.wait on a
-- condition; a step that fails records its error and the script goes on to the next step.
local T = _G.milestone_test
local input = T.input
local TIMEOUT = input.timeout_ms or 60000
-- All waits together stay within this, so that a server that never answers ends the run well
-- before test_neovim.py's own timeout kills Neovim (and loses the result file).
local deadline = vim.uv.hrtime() + (input.budget_ms or 240000) * 1e6
local plugin = require("milestone_lsp")

local out = { waits = {}, errors = {}, files = {} }

local function ms_since(t0)
  return math.floor((vim.uv.hrtime() - t0) / 1e6)
end

local function wait(what, cond)
  local t0 = vim.uv.hrtime()
  local left = math.max(0, math.floor((deadline - t0) / 1e6))
  local ok = vim.wait(math.min(TIMEOUT, left), cond, 20)
  out.waits[what] = { ok = ok, ms = ms_since(t0) }
  if not ok then
    error("timed out waiting for " .. what, 2)
  end
end

local function step(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if not ok then
    table.insert(out.errors, name .. ": " .. tostring(err))
  end
end

local function lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

local function client_of(buf)
  return vim.lsp.get_clients({ bufnr = buf, name = "milestone_lsp" })[1]
end

local function find_line(buf, pattern)
  for i, line in ipairs(lines(buf)) do
    if line:find(pattern) then
      return i - 1, line
    end
  end
end

local function diagnostics_of(buf, name)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(list, {
      file = name,
      code = d.code,
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = d.severity,
      source = d.source,
      message = d.message,
    })
  end
  return list
end

local function hover_text(result)
  local contents = result and result.contents
  if type(contents) == "string" then
    return contents
  elseif type(contents) == "table" and contents.value then
    return contents.value
  elseif type(contents) == "table" then
    local parts = {}
    for _, c in ipairs(contents) do
      table.insert(parts, type(c) == "table" and c.value or tostring(c))
    end
    return table.concat(parts, "\n")
  end
  return nil
end

local function run_health()
  vim.cmd("checkhealth milestone_lsp")
  local buf = vim.api.nvim_get_current_buf()
  local text = lines(buf)
  vim.cmd("bwipeout! " .. buf)
  return text
end

local bufs = {}
local t_start = vim.uv.hrtime()

step("open and diagnostics", function()
  for _, name in ipairs(input.files) do
    vim.cmd.edit(vim.fn.fnameescape(vim.fs.joinpath(input.workspace, name)))
    bufs[name] = vim.api.nvim_get_current_buf()
  end
  vim.cmd.buffer(bufs["STATUS.md"])
  wait("client attached", function()
    return client_of(bufs["STATUS.md"]) ~= nil
  end)
  -- Every open file published at least once, with as many diagnostics as `check` finds (when
  -- `check` could tell: expected_counts is null when it failed).
  local counts = input.expected_counts ~= vim.NIL and input.expected_counts or nil
  wait("diagnostics", function()
    for name, buf in pairs(bufs) do
      if T.published[vim.uri_from_bufnr(buf)] == nil then
        return false
      end
      if counts and #vim.diagnostic.get(buf) ~= (counts[name] or 0) then
        return false
      end
    end
    return true
  end)
end)

step("collect", function()
  out.diagnostics = {}
  for _, name in ipairs(input.files) do
    local buf = bufs[name]
    out.files[name] = { lines = lines(buf), published = T.published[vim.uri_from_bufnr(buf)] }
    vim.list_extend(out.diagnostics, diagnostics_of(buf, name))
  end
  local client = client_of(bufs["STATUS.md"])
  out.client = {
    name = client.name,
    offset_encoding = client.offset_encoding,
    position_encoding = client.server_capabilities.positionEncoding,
    root_dir = client.root_dir,
    server_info = client.server_info,
    commands = (client.server_capabilities.executeCommandProvider or {}).commands,
    attached = vim.tbl_keys(client.attached_buffers),
  }
  out.buffer_commands = vim.tbl_keys(vim.api.nvim_buf_get_commands(bufs["STATUS.md"], {}))
  out.template_completion = vim.fn.getcompletion("MilestoneTemplate ", "cmdline")
  out.template_completion_v = vim.fn.getcompletion("MilestoneTemplate ver", "cmdline")
end)

step("hover", function()
  local buf = bufs["milestones.md"]
  vim.cmd.buffer(buf)
  local lnum, line = find_line(buf, "^## Milestone: Foundation Complete")
  assert(lnum, "no Foundation Complete heading")
  local col = assert(line:find("Foundation", 1, true)) - 1
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = lnum, character = col },
  }
  local responses = vim.lsp.buf_request_sync(buf, "textDocument/hover", params, TIMEOUT) or {}
  local _, response = next(responses)
  out.hover = {
    line = lnum,
    character = col,
    error = response and response.err and response.err.message,
    text = response and hover_text(response.result),
  }
end)

step("code action", function()
  local buf = bufs["milestones.md"]
  local client = client_of(buf)
  local target
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local text = lines(buf)[d.lnum + 1] or ""
    if d.code == "MS101" and text:find(input.code_action_line, 1, true) then
      target = d
    end
  end
  assert(target, "no MS101 diagnostic on the line " .. input.code_action_line)
  local diag = target.user_data.lsp
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = diag.range,
    context = { diagnostics = { diag }, only = { "quickfix" } },
  }
  local responses = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, TIMEOUT) or {}
  local _, response = next(responses)
  local actions = response and response.result or {}
  local chosen
  local titles = {}
  for _, action in ipairs(actions) do
    table.insert(titles, action.title)
    local about = action.diagnostics and action.diagnostics[1]
    if not chosen and action.kind == "quickfix" and about and about.code == "MS101" then
      chosen = action
    end
  end
  out.code_action = { lnum = target.lnum, before = lines(buf)[target.lnum + 1], titles = titles }
  assert(chosen, "no MS101 quick fix")
  out.code_action.title = chosen.title
  out.code_action.has_edit = chosen.edit ~= nil
  out.code_action.edit = chosen.edit
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
  out.code_action.after = lines(buf)[target.lnum + 1]
  out.code_action.line_count_delta = #lines(buf) - #out.files["milestones.md"].lines
end)

step("report", function()
  vim.cmd.buffer(bufs["STATUS.md"])
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  plugin.last.report = nil
  vim.cmd("MilestoneReport")
  wait("report", function()
    return plugin.last.report ~= nil and vim.b.milestone_lsp_report == true
  end)
  local buf = vim.api.nvim_get_current_buf()
  out.report = {
    result = plugin.last.report,
    name = vim.api.nvim_buf_get_name(buf),
    lines = lines(buf),
    filetype = vim.bo[buf].filetype,
    buftype = vim.bo[buf].buftype,
    clients = #vim.lsp.get_clients({ bufnr = buf }),
    windows = #vim.api.nvim_tabpage_list_wins(0),
  }
  vim.cmd("close")
end)

step("history", function()
  if not input.has_git then
    out.history = { skipped = "git is not installed" }
    return
  end
  vim.cmd.buffer(bufs["STATUS.md"])
  plugin.last.history = nil
  vim.cmd("MilestoneHistory")
  wait("history", function()
    return plugin.last.history ~= nil and vim.b.milestone_lsp_history == true
  end)
  local buf = vim.api.nvim_get_current_buf()
  out.history = {
    result = plugin.last.history,
    name = vim.api.nvim_buf_get_name(buf),
    lines = lines(buf),
    filetype = vim.bo[buf].filetype,
    buftype = vim.bo[buf].buftype,
    clients = #vim.lsp.get_clients({ bufnr = buf }),
    windows = #vim.api.nvim_tabpage_list_wins(0),
  }
  vim.cmd("close")
end)

step("history outside a git repository", function()
  if not input.has_git then
    return
  end
  vim.cmd.buffer(bufs["STATUS.md"])
  local git_dir = vim.fs.joinpath(input.workspace, ".git")
  local hidden = vim.fs.joinpath(vim.fs.dirname(input.workspace), "git-hidden")
  local messages = {}
  local notify = vim.notify
  vim.notify = function(msg, level)
    table.insert(messages, { message = msg, level = level })
  end
  assert(vim.uv.fs_rename(git_dir, hidden))
  local ok, err = pcall(function()
    plugin.last.history = nil
    vim.cmd("MilestoneHistory")
    wait("a message about the missing history", function()
      return #messages > 0 or plugin.last.history ~= nil
    end)
  end)
  vim.notify = notify
  assert(vim.uv.fs_rename(hidden, git_dir))
  out.history_error = { messages = messages, result = plugin.last.history, buffer = vim.b.milestone_lsp_history }
  assert(ok, err)
end)

step("progress", function()
  vim.cmd.buffer(bufs["STATUS.md"])
  plugin.last.progress = nil
  vim.cmd("MilestoneProgress")
  wait("progress", function()
    return plugin.last.progress ~= nil
  end)
  local float
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if vim.api.nvim_win_get_config(win).relative ~= "" then
      float = win
    end
  end
  out.progress = {
    result = plugin.last.progress,
    float_lines = float and lines(vim.api.nvim_win_get_buf(float)),
  }
  if float then
    vim.api.nvim_win_close(float, true)
  end
end)

step("explain", function()
  local buf = bufs["milestones.md"]
  vim.cmd.buffer(buf)
  local lnum = assert(find_line(buf, "Code quality is good"))
  vim.api.nvim_win_set_cursor(0, { lnum + 1, 0 })
  wait("a diagnostic on the line", function()
    return #plugin.codes_at_cursor(buf) > 0
  end)
  out.explain_codes = plugin.codes_at_cursor(buf)
  plugin.last.explain = nil
  vim.cmd("MilestoneExplain")
  wait("explain", function()
    return plugin.last.explain ~= nil and vim.b.milestone_lsp_rule == true
  end)
  out.explain = { result = plugin.last.explain, lines = lines(vim.api.nvim_get_current_buf()) }
  vim.cmd("close")
end)

step("lens", function()
  local buf = bufs["STATUS.md"]
  vim.cmd.buffer(buf)
  local client = client_of(buf)
  local responses = vim.lsp.buf_request_sync(buf, "textDocument/codeLens", {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
  }, TIMEOUT) or {}
  local _, response = next(responses)
  local lenses = response and response.result or {}
  out.lenses = {}
  for _, lens in ipairs(lenses) do
    table.insert(out.lenses, { line = lens.range.start.line, title = lens.command and lens.command.title })
  end
  local first = assert(lenses[1], "no code lens in STATUS.md")
  plugin.last.lens = nil
  -- What <Plug>/vim.lsp.codelens.run() does for a lens: the client's handler runs it.
  client:exec_cmd(first.command, { bufnr = buf })
  wait("lens summary", function()
    return plugin.last.lens ~= nil
  end)
  local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover", {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = first.command.arguments[1].position,
  }, TIMEOUT) or {}
  local _, hovered = next(hover)
  out.lens = { markdown = plugin.last.lens.markdown, hover = hovered and hover_text(hovered.result) }
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if vim.api.nvim_win_get_config(win).relative ~= "" then
      vim.api.nvim_win_close(win, true)
    end
  end
end)

step("template", function()
  local buf = bufs["milestones.md"]
  vim.cmd.buffer(buf)
  -- Inside the criteria list of a milestone: the template must not split the list.
  local lnum = assert(find_line(buf, "Code quality is good"))
  vim.api.nvim_win_set_cursor(0, { lnum + 1, 0 })
  local before = lines(buf)
  plugin.last.template = nil
  vim.cmd("MilestoneTemplate milestone")
  wait("template", function()
    return plugin.last.template ~= nil and #lines(buf) > #before
  end)
  out.template = { result = plugin.last.template, cursor_line = lnum, before = before, after = lines(buf) }
  local listed = {}
  plugin.exec(buf, plugin.server_commands.insert_template, { { uri = vim.uri_from_bufnr(buf), line = lnum } }, function(result)
    listed = result
  end)
  wait("the templates that fit", function()
    return listed.templates ~= nil
  end)
  out.template.offered = listed.templates
end)

step("follow link", function()
  vim.cmd.edit(vim.fn.fnameescape(vim.fs.joinpath(input.workspace, "README.md")))
  local buf = vim.api.nvim_get_current_buf()
  bufs["README.md"] = buf
  wait("client attached to README.md", function()
    return client_of(buf) ~= nil
  end)
  local lnum, line = find_line(buf, "%(milestones%.md%)")
  assert(lnum, "README.md has no link to milestones.md")
  local col = assert(line:find("(milestones.md)", 1, true))
  local responses = vim.lsp.buf_request_sync(buf, "textDocument/documentLink", {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
  }, TIMEOUT) or {}
  local _, response = next(responses)
  out.document_links = {}
  for _, link in ipairs(response and response.result or {}) do
    table.insert(out.document_links, link.target)
  end
  vim.api.nvim_win_set_cursor(0, { lnum + 1, col + 1 })
  vim.lsp.buf.definition()
  wait("definition to open milestones.md", function()
    return vim.endswith(vim.api.nvim_buf_get_name(0), "/milestones.md")
  end)
  out.follow = { from_line = lnum, landed = vim.api.nvim_buf_get_name(0), cursor = vim.api.nvim_win_get_cursor(0) }
end)

step("rename", function()
  local buf = bufs["deliverables.md"]
  vim.cmd.buffer(buf)
  plugin.last.rename = nil
  vim.cmd("MilestoneRename plan/deliverables.md")
  wait("rename", function()
    return plugin.last.rename ~= nil
  end)
  out.rename = {
    result = plugin.last.rename,
    buffer_name = vim.api.nvim_buf_get_name(buf),
    readme = lines(bufs["README.md"]),
    new_exists = vim.uv.fs_stat(vim.fs.joinpath(input.workspace, "plan", "deliverables.md")) ~= nil,
    old_exists = vim.uv.fs_stat(vim.fs.joinpath(input.workspace, "deliverables.md")) ~= nil,
  }
end)

step("recompute", function()
  vim.cmd.buffer(bufs["STATUS.md"])
  plugin.last.recompute = nil
  vim.cmd("MilestoneRecompute")
  wait("recompute", function()
    return plugin.last.recompute ~= nil
  end)
  out.recompute = { result = plugin.last.recompute, lines = lines(bufs["STATUS.md"]) }
end)

step("health", function()
  vim.cmd.buffer(bufs["STATUS.md"])
  out.health_ok = run_health()
end)

step("health with a wrong interpreter", function()
  vim.cmd.buffer(bufs["STATUS.md"])
  local good = vim.lsp.config.milestone_lsp.cmd
  vim.lsp.config("milestone_lsp", { cmd = input.wrong_cmd })
  out.health_wrong_cmd = run_health()
  vim.lsp.config("milestone_lsp", { cmd = good })
end)

step("health with an invalid config file", function()
  vim.cmd.buffer(bufs["STATUS.md"])
  local path = vim.fs.joinpath(input.workspace, ".milestone-lsp.toml")
  local saved = vim.fn.readfile(path)
  vim.fn.writefile({ 'progress_method = "sideways"' }, path)
  out.health_bad_config = run_health()
  vim.fn.writefile(saved, path)
end)

step("health with an unknown rule key", function()
  vim.cmd.buffer(bufs["STATUS.md"])
  local path = vim.fs.joinpath(input.workspace, ".milestone-lsp.toml")
  local saved = vim.fn.readfile(path)
  vim.fn.writefile({ "[rules]", 'MS10 = "off"' }, path)
  out.health_unknown_rule = run_health()
  vim.fn.writefile(saved, path)
end)

out.total_ms = ms_since(t_start)
vim.fn.writefile({ vim.json.encode(out) }, input.result_path)
vim.cmd("qa!")
