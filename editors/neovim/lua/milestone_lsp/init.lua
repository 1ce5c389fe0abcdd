--- milestone-lsp for Neovim 0.11: one-call setup and the buffer-local :Milestone* commands.
---
--- The server config itself lives in lsp/milestone_lsp.lua (the nvim-lspconfig 0.11 model); this
--- module only adds what a plain config cannot: the commands, which run the server's
--- workspace/executeCommand commands through client:exec_cmd(). See :help milestone-lsp.

local M = {}

--- The name of the config (lsp/milestone_lsp.lua) and of the client.
M.name = "milestone_lsp"

--- The server's command names: a public contract with the server (features/commands.py).
M.server_commands = {
  status_report = "milestone-lsp.statusReport",
  recompute_progress = "milestone-lsp.recomputeProgress",
  insert_template = "milestone-lsp.insertTemplate",
  workspace_progress = "milestone-lsp.workspaceProgress",
  progress_history = "milestone-lsp.progressHistory",
  explain_rule = "milestone-lsp.explainRule",
  server_info = "milestone-lsp.serverInfo",
  show_progress = "milestone-lsp.showMilestoneProgress",
}

--- :MilestoneTemplate arguments, in completion order. "verification" picks the milestone or the
--- deliverable checklist from the heading the cursor is under; the explicit kinds are accepted too.
--- Without an argument the command offers the templates that fit the cursor's place (the same
--- set as the code actions).
M.template_kinds = {
  "milestone",
  "deliverable",
  "status",
  "verification",
  "milestoneVerification",
  "deliverableVerification",
  "statusReport",
  "approval",
}

--- Results of the last command of each kind, for scripts and tests (also in b:/g: variables).
M.last = {}

--- One call for users who prefer it over vim.lsp.config() + vim.lsp.enable().
---@param opts? vim.lsp.Config overrides merged into the config (cmd, settings, root_markers, ...)
function M.setup(opts)
  opts = opts or {}
  if vim.fn.has("nvim-0.11") ~= 1 then
    vim.notify("milestone-lsp needs Neovim 0.11 or newer", vim.log.levels.ERROR)
    return
  end
  if next(opts) ~= nil then
    vim.lsp.config(M.name, opts)
  end
  vim.lsp.enable(M.name)
end

local function notify(msg, level)
  vim.notify("milestone-lsp: " .. msg, level or vim.log.levels.INFO)
end

--- The milestone_lsp client attached to a buffer, or nil (with a message).
---@param bufnr integer
---@return vim.lsp.Client?
local function client_for(bufnr)
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = M.name })[1]
  if not client then
    notify("the server is not attached to this buffer (see :checkhealth milestone_lsp)", vim.log.levels.ERROR)
  end
  return client
end

--- Run a server command with one argument object; `on_result(result)` gets the answer.
---@param bufnr integer
---@param command string
---@param arguments table
---@param on_result? fun(result: any)
function M.exec(bufnr, command, arguments, on_result)
  local client = client_for(bufnr)
  if not client then
    return
  end
  client:exec_cmd({ title = command, command = command, arguments = arguments }, { bufnr = bufnr }, function(err, result)
    if err then
      -- The server's messages name the command already ("milestone-lsp.statusReport: ...").
      notify(err.message or (command .. " failed: " .. vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    if type(result) == "table" and type(result.error) == "string" then
      notify(command .. ": " .. result.error, vim.log.levels.ERROR)
      return
    end
    if on_result then
      on_result(result)
    end
  end)
end

local function lines_of(text)
  return vim.split(text or "", "\n", { plain = true })
end

--- Show lines in a scratch markdown buffer called `name`, in a split; a later call with the same
--- name replaces the text and reuses the buffer (and its window, if it is shown).
---@param name string
---@param text_lines string[]
---@return integer bufnr
function M.show_scratch(name, text_lines)
  local buf = vim.fn.bufnr(name)
  if buf == -1 or not vim.api.nvim_buf_is_valid(buf) then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, name)
    vim.bo[buf].bufhidden = "hide"
    -- buftype=nofile: not a file, so the markdown language server never attaches to it.
    vim.bo[buf].buftype = "nofile"
    vim.bo[buf].swapfile = false
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, text_lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = "markdown"
  local win = vim.fn.bufwinid(buf)
  if win == -1 then
    vim.cmd("botright split")
    vim.api.nvim_win_set_buf(0, buf)
  else
    vim.api.nvim_set_current_win(win)
  end
  return buf
end

--- Show markdown in a scratch buffer in a split (reused by later reports).
---@param markdown string
---@return integer bufnr
function M.show_report(markdown)
  local buf = M.show_scratch("milestone-lsp://status-report", lines_of(markdown))
  vim.b[buf].milestone_lsp_report = true
  return buf
end

-- ---------------------------------------------------------------------------------------------
-- :MilestoneHistory: the progressHistory JSON as markdown tables.

local function percent(value)
  if type(value) ~= "number" then
    return "–"
  end
  return (value == math.floor(value) and "%d%%" or "%.1f%%"):format(value)
end

local function day(date)
  return type(date) == "string" and date:sub(1, 10) or "–"
end

local function cell(value)
  if value == nil or value == vim.NIL then
    return "–"
  end
  -- A table cell: no line breaks, and a literal "|" would end the cell.
  return (tostring(value):gsub("[\r\n]+", " "):gsub("|", "\\|"))
end

--- An event ({date, short, logged?}) as "2026-01-19 (abc1234)", or "–".
local function event(e)
  if type(e) ~= "table" then
    return "–"
  end
  local out = ("%s (%s)"):format(day(e.date), cell(e.short))
  if type(e.logged) == "string" then
    out = out .. ", logged " .. e.logged
  end
  return out
end

--- A markdown table with its columns padded to the same display width, so that it reads as a
--- table in the buffer too.
---@param headers string[]
---@param rows string[][]
---@return string[]
function M.markdown_table(headers, rows)
  local widths = {}
  for i, h in ipairs(headers) do
    widths[i] = math.max(3, vim.fn.strdisplaywidth(h))
  end
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do
      widths[i] = math.max(widths[i] or 3, vim.fn.strdisplaywidth(cell))
    end
  end
  local function line(cells)
    local padded = {}
    for i = 1, #headers do
      local cell = cells[i] or ""
      padded[i] = cell .. string.rep(" ", widths[i] - vim.fn.strdisplaywidth(cell))
    end
    return "| " .. table.concat(padded, " | ") .. " |"
  end
  local out = { line(headers) }
  local rule = {}
  for i = 1, #headers do
    rule[i] = string.rep("-", widths[i])
  end
  table.insert(out, line(rule))
  for _, row in ipairs(rows) do
    table.insert(out, line(row))
  end
  return out
end

--- The lines of the :MilestoneHistory buffer for the server's history JSON: the overall series
--- (computed beside stated), each milestone's figure per commit, when each milestone started,
--- completed and was approved, the commits whose statements ran ahead of the checkboxes
--- (documentation lag), the deliverables added after their milestone started (scope creep),
--- renames and notes.
---@param history table the "json" member of the progressHistory answer
---@return string[]
function M.history_lines(history)
  local out = { "# Progress history", "" }
  local commits = type(history.commits) == "table" and history.commits or {}
  local facts = { ("%d commit%s"):format(#commits, #commits == 1 and "" or "s") }
  if type(history.progress_method) == "string" then
    table.insert(facts, "progress counted by " .. history.progress_method)
  end
  if type(history.since) == "string" then
    table.insert(facts, "since " .. history.since)
  end
  if type(history.head) == "string" and history.head ~= "" then
    table.insert(facts, "HEAD " .. history.head:sub(1, 7))
  end
  table.insert(out, table.concat(facts, " · "))
  if type(history.workspace) == "string" and history.workspace ~= "" then
    table.insert(out, "Workspace: " .. history.workspace)
  end
  if #commits == 0 then
    vim.list_extend(out, { "", "No commit changed a milestone document." })
  end

  local function section(title, lines)
    vim.list_extend(out, { "", "## " .. title, "" })
    vim.list_extend(out, lines)
  end

  if #commits > 0 then
    local rows = {}
    for _, c in ipairs(commits) do
      local o = type(c.overall) == "table" and c.overall or {}
      local counted = type(o.total) == "number" and ("%s (%d/%d)"):format(percent(o.computed), o.done or 0, o.total)
        or percent(o.computed)
      local ahead = type(o.lag) == "number" and ("+%s"):format(percent(o.lag)) or ""
      table.insert(rows, { day(c.date), cell(c.short), counted, percent(o.stated), ahead, cell(c.subject) })
    end
    section(
      "Overall",
      M.markdown_table({ "Date", "Commit", "Computed", "Stated", "Stated ahead by", "Subject" }, rows)
    )

    -- One column per milestone, in order of first appearance: "computed (stated)".
    local names, seen = {}, {}
    for _, c in ipairs(commits) do
      for _, m in ipairs(type(c.milestones) == "table" and c.milestones or {}) do
        if not seen[m.name] then
          seen[m.name] = true
          table.insert(names, m.name)
        end
      end
    end
    if #names > 0 then
      rows = {}
      for _, c in ipairs(commits) do
        local by_name = {}
        for _, m in ipairs(type(c.milestones) == "table" and c.milestones or {}) do
          by_name[m.name] = m
        end
        local row = { day(c.date), cell(c.short) }
        for _, name in ipairs(names) do
          local m = by_name[name]
          local shown = m and percent(m.computed) or ""
          if m and type(m.stated) == "number" then
            shown = ("%s (%s)"):format(shown, percent(m.stated))
          end
          if m and m.approved == true then
            shown = shown .. " ✓"
          end
          table.insert(row, shown)
        end
        table.insert(rows, row)
      end
      local headers = { "Date", "Commit" }
      for _, name in ipairs(names) do
        table.insert(headers, cell(name))
      end
      section("Per milestone", vim.list_extend({
        "Computed progress, the stated figure in parentheses; ✓ approved.",
        "",
      }, M.markdown_table(headers, rows)))
    end
  end

  local milestones = type(history.milestones) == "table" and history.milestones or {}
  if #milestones > 0 then
    local rows = {}
    for _, m in ipairs(milestones) do
      local creep = type(m.scope_creep) == "table" and #m.scope_creep or 0
      table.insert(rows, {
        cell(m.name),
        event(m.started),
        event(m.completed),
        event(m.approved),
        creep > 0 and tostring(creep) or "",
      })
    end
    section(
      "Milestones",
      M.markdown_table({ "Milestone", "Started", "Completed", "Approved", "Added after start" }, rows)
    )
  end

  local lag = type(history.documentation_lag) == "table" and history.documentation_lag or {}
  if #lag > 0 then
    local rows = {}
    for _, l in ipairs(lag) do
      table.insert(rows, {
        day(l.date),
        cell(l.short),
        l.milestone ~= nil and l.milestone ~= vim.NIL and cell(l.milestone) or "overall",
        percent(l.stated),
        percent(l.computed),
        "+" .. percent(l.ahead_by),
      })
    end
    section(
      "Documentation lag",
      vim.list_extend(
        { "Commits at which a stated percentage ran ahead of the one computed from the checkboxes.", "" },
        M.markdown_table({ "Date", "Commit", "Milestone", "Stated", "Computed", "Ahead by" }, rows)
      )
    )
  end

  local creep = type(history.scope_creep) == "table" and history.scope_creep or {}
  if #creep > 0 then
    local rows = {}
    for _, c in ipairs(creep) do
      table.insert(rows, {
        day(c.date),
        cell(c.short),
        cell(c.milestone),
        cell(c.deliverable) .. (c.present == false and " (removed since)" or ""),
        day(c.started_date),
      })
    end
    section(
      "Scope creep",
      vim.list_extend(
        { "Deliverables added to a milestone after it had started.", "" },
        M.markdown_table({ "Date", "Commit", "Milestone", "Deliverable", "Milestone started" }, rows)
      )
    )
  end

  local renames = type(history.renames) == "table" and history.renames or {}
  if #renames > 0 then
    local rows = {}
    for _, r in ipairs(renames) do
      table.insert(rows, { day(r.date), cell(r.short), cell(r["from"]), cell(r.to) })
    end
    section("Renames", M.markdown_table({ "Date", "Commit", "From", "To" }, rows))
  end

  local notes = type(history.notes) == "table" and history.notes or {}
  if #notes > 0 then
    local items = {}
    for _, note in ipairs(notes) do
      table.insert(items, "- " .. cell(note))
    end
    section("Notes", items)
  end
  return out
end

--- Show the history JSON as tables in a scratch markdown buffer.
---@param history table
---@return integer bufnr
function M.show_history(history)
  local buf = M.show_scratch("milestone-lsp://progress-history", M.history_lines(history))
  vim.b[buf].milestone_lsp_history = true
  return buf
end

--- The template kind for a :MilestoneTemplate argument at `line` (0-based) of `bufnr`.
---@return string? kind
function M.template_kind(bufnr, arg, line)
  if arg ~= "verification" then
    return vim.tbl_contains(M.template_kinds, arg) and arg or nil
  end
  -- The nearest heading above the cursor decides: a deliverable's section gets the deliverable
  -- checklist, anything else the milestone one.
  local above = vim.api.nvim_buf_get_lines(bufnr, 0, line + 1, false)
  for i = #above, 1, -1 do
    local heading = above[i]:match("^#+%s+(.*)")
    if heading then
      return heading:lower():find("deliverable", 1, true) and "deliverableVerification"
        or "milestoneVerification"
    end
  end
  return "milestoneVerification"
end

--- Rename (or move) the file of `bufnr` to `new_name`, updating the links and mentions of it in
--- the project: the server's workspace/willRenameFiles edit is applied first, then the file is
--- moved (vim.lsp.util.rename, which keeps the buffer), then the server is told.
---@param bufnr integer
---@param new_name string a path, relative to the file's folder or absolute
---@param on_done? fun(ok: boolean, result: table?)
function M.rename_file(bufnr, new_name, on_done)
  local client = client_for(bufnr)
  local old = vim.api.nvim_buf_get_name(bufnr)
  if not client or old == "" then
    return on_done and on_done(false)
  end
  local new = vim.fs.normalize(new_name)
  if not new:match("^/") then
    new = vim.fs.joinpath(vim.fs.dirname(old), new)
  end
  new = vim.fs.normalize(new)
  if vim.uv.fs_stat(new) then
    notify(new .. " exists already; nothing renamed", vim.log.levels.ERROR)
    return on_done and on_done(false)
  end
  local files = { { oldUri = vim.uri_from_fname(old), newUri = vim.uri_from_fname(new) } }
  client:request("workspace/willRenameFiles", { files = files }, function(err, edit)
    if err then
      notify("the link update failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return on_done and on_done(false)
    end
    if edit then
      vim.lsp.util.apply_workspace_edit(edit, client.offset_encoding)
    end
    vim.fn.mkdir(vim.fs.dirname(new), "p")
    vim.lsp.util.rename(old, new)
    client:notify("workspace/didRenameFiles", { files = files })
    local changed = 0
    for _, change in ipairs(edit and (edit.documentChanges or {}) or {}) do
      changed = changed + #(change.edits or {})
    end
    for _, edits in pairs(edit and (edit.changes or {}) or {}) do
      changed = changed + #edits
    end
    notify(("renamed to %s; %d link%s updated"):format(vim.fn.fnamemodify(new, ":~:."), changed, changed == 1 and "" or "s"))
    M.last.rename = { old = old, new = new, edits = changed }
    return on_done and on_done(true, M.last.rename)
  end, bufnr)
end

--- The codes of the milestone-lsp diagnostics on the cursor line of the current window.
---@param bufnr integer
---@return string[]
function M.codes_at_cursor(bufnr)
  local lnum = vim.api.nvim_win_get_cursor(0)[1] - 1
  local codes = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr, { lnum = lnum })) do
    if d.source == "milestone-lsp" and d.code and not vim.tbl_contains(codes, d.code) then
      table.insert(codes, d.code)
    end
  end
  return codes
end

--- Show a rule's documentation page (the server's explainRule) in a scratch buffer.
---@param markdown string
---@return integer bufnr
function M.show_rule(markdown)
  local buf = M.show_scratch("milestone-lsp://rule", lines_of(markdown))
  vim.b[buf].milestone_lsp_rule = true
  return buf
end

-- The code lens's command runs here, in the editor: it asks the server for the hover summary of
-- the lens's line and shows it in a float, like `K` there would.
vim.lsp.commands[M.server_commands.show_progress] = function(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client then
    return
  end
  client:request("workspace/executeCommand", { command = command.command, arguments = command.arguments }, function(err, result)
    if err or type(result) ~= "table" or type(result.markdown) ~= "string" then
      notify("no progress summary here", vim.log.levels.WARN)
      return
    end
    M.last.lens = result
    vim.lsp.util.open_floating_preview(lines_of(result.markdown), "markdown", {
      border = "rounded",
      focus_id = "milestone_lsp_lens",
    })
  end, ctx.bufnr)
end

--- Create the buffer-local commands (called on LspAttach for this client).
---@param client vim.lsp.Client
---@param bufnr integer
function M.on_attach(client, bufnr)
  if client.name ~= M.name then
    return
  end
  local function uri()
    return vim.uri_from_bufnr(bufnr)
  end
  local function cursor_line()
    return vim.api.nvim_win_get_cursor(0)[1] - 1
  end
  local function command(name, fn, opts)
    opts = vim.tbl_extend("keep", opts or {}, { force = true })
    vim.api.nvim_buf_create_user_command(bufnr, name, fn, opts)
  end

  command("MilestoneReport", function(args)
    local arg = { uri = uri(), line = cursor_line() }
    if args.args ~= "" then
      arg.milestone = args.args
    end
    M.exec(bufnr, M.server_commands.status_report, { arg }, function(result)
      M.last.report = result
      if type(result) == "table" and type(result.markdown) == "string" then
        M.show_report(result.markdown)
      else
        notify("no status report for this document", vim.log.levels.WARN)
      end
    end)
  end, {
    nargs = "?",
    desc = "milestone-lsp: status report of the milestone under the cursor (or the named one)",
  })

  command("MilestoneHistory", function(args)
    local arg = { format = "json" }
    if args.args ~= "" then
      arg.since = args.args
    end
    M.exec(bufnr, M.server_commands.progress_history, { arg }, function(result)
      M.last.history = result
      if type(result) == "table" and type(result.json) == "table" then
        M.show_history(result.json)
      else
        notify("the server sent no progress history; is it older than this plugin?", vim.log.levels.WARN)
      end
    end)
  end, {
    nargs = "?",
    desc = "milestone-lsp: progress over the git history (optionally since a revision) as tables",
  })

  local function insert_template(kind, line)
    M.exec(bufnr, M.server_commands.insert_template, { { uri = uri(), kind = kind, line = line } }, function(result)
      M.last.template = result
      if type(result) == "table" and result.applied == false then
        notify("the template was not inserted", vim.log.levels.WARN)
      end
    end)
  end

  command("MilestoneTemplate", function(args)
    local line = cursor_line()
    if args.args == "" then
      -- The templates that fit here, as the code actions offer them.
      M.exec(bufnr, M.server_commands.insert_template, { { uri = uri(), line = line } }, function(result)
        local offered = type(result) == "table" and result.templates or {}
        if #offered == 0 then
          notify("no template fits here", vim.log.levels.WARN)
          return
        end
        vim.ui.select(offered, {
          prompt = "Insert which template?",
          format_item = function(item)
            return item.title
          end,
        }, function(choice)
          if choice then
            insert_template(choice.kind, line)
          end
        end)
      end)
      return
    end
    local kind = M.template_kind(bufnr, args.args, line)
    if not kind then
      notify("unknown template " .. args.args .. "; one of: " .. table.concat(M.template_kinds, ", "), vim.log.levels.ERROR)
      return
    end
    insert_template(kind, line)
  end, {
    nargs = "?",
    complete = function(lead)
      return vim.tbl_filter(function(kind)
        return vim.startswith(kind, lead)
      end, M.template_kinds)
    end,
    desc = "milestone-lsp: insert a template at the cursor line",
  })

  command("MilestoneProgress", function(args)
    -- A STATUS.md gives the overall figure; from any other file the server picks the workspace's
    -- STATUS.md itself.
    local name = vim.fs.basename(vim.api.nvim_buf_get_name(bufnr)):lower()
    local arguments = name == "status.md" and { { uri = uri() } } or {}
    M.exec(bufnr, M.server_commands.workspace_progress, arguments, function(result)
      M.last.progress = result
      local text = type(result) == "table" and result.text or ""
      if text == "" then
        text = "no milestones found"
      end
      if args.bang then
        vim.api.nvim_echo({ { text } }, true, {})
      else
        vim.lsp.util.open_floating_preview(lines_of(text), "markdown", {
          border = "rounded",
          title = " milestone progress ",
          focus_id = "milestone_lsp_progress",
        })
      end
    end)
  end, { bang = true, desc = "milestone-lsp: workspace progress in a float (! to echo it)" })

  command("MilestoneRename", function(args)
    M.rename_file(bufnr, args.args)
  end, {
    nargs = 1,
    complete = "file",
    desc = "milestone-lsp: rename or move this file and update the links and mentions of it",
  })

  command("MilestoneExplain", function(args)
    local rule = args.args ~= "" and args.args or M.codes_at_cursor(bufnr)[1]
    if not rule then
      notify("no milestone-lsp diagnostic on this line; name a rule, e.g. :MilestoneExplain MS101", vim.log.levels.WARN)
      return
    end
    M.exec(bufnr, M.server_commands.explain_rule, { { rule = rule } }, function(result)
      M.last.explain = result
      if type(result) == "table" and type(result.markdown) == "string" then
        M.show_rule(result.markdown)
      end
    end)
  end, {
    nargs = "?",
    desc = "milestone-lsp: the documentation of a rule (default: the diagnostic on this line)",
  })

  command("MilestoneRecompute", function()
    M.exec(bufnr, M.server_commands.recompute_progress, { { uri = uri() } }, function(result)
      M.last.recompute = result
      local edits = type(result) == "table" and result.edits or 0
      if edits == 0 then
        notify("the progress figures are up to date")
      elseif result.applied then
        notify(("updated %d progress figure%s"):format(edits, edits == 1 and "" or "s"))
      else
        notify("the progress update was not applied", vim.log.levels.WARN)
      end
    end)
  end, { desc = "milestone-lsp: rewrite stated progress to the computed figures" })
end

return M
