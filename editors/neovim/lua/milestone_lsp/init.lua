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
}

--- :MilestoneTemplate arguments, in completion order. "verification" picks the milestone or the
--- deliverable checklist from the heading the cursor is under; the explicit kinds are accepted too.
M.template_kinds = {
  "milestone",
  "deliverable",
  "status",
  "verification",
  "milestoneVerification",
  "deliverableVerification",
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

--- Show markdown in a scratch buffer in a split (reused by later reports).
---@param markdown string
---@return integer bufnr
function M.show_report(markdown)
  local name = "milestone-lsp://status-report"
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
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines_of(markdown))
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = "markdown"
  local win = vim.fn.bufwinid(buf)
  if win == -1 then
    vim.cmd("botright split")
    vim.api.nvim_win_set_buf(0, buf)
  else
    vim.api.nvim_set_current_win(win)
  end
  vim.b[buf].milestone_lsp_report = true
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

  command("MilestoneTemplate", function(args)
    local line = cursor_line()
    local kind = M.template_kind(bufnr, args.args, line)
    if not kind then
      notify("unknown template " .. args.args .. "; one of: " .. table.concat(M.template_kinds, ", "), vim.log.levels.ERROR)
      return
    end
    M.exec(bufnr, M.server_commands.insert_template, { { uri = uri(), kind = kind, line = line } }, function(result)
      M.last.template = result
      if type(result) == "table" and result.applied == false then
        notify("the template was not inserted", vim.log.levels.WARN)
      end
    end)
  end, {
    nargs = 1,
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
