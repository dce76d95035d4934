import BalancerCore
/// The `/status` page: one self-contained HTML document (no external assets) that renders `/status.json` and
/// refreshes it every 2 seconds with `fetch()`, highlighting rows whose state changed.
enum StatusPage {
    static let html = #"""
<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>balancer status</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 16px;display:flex;flex-wrap:wrap;gap:6px 22px;align-items:baseline}
header h1{font-size:18px;margin:0 12px 0 0}header span b{font-weight:600}
main{padding:12px 16px;max-width:1300px}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;margin:0 0 14px;padding:10px 12px;overflow-x:auto}
h2{font-size:16px;margin:2px 0 8px}
table{border-collapse:collapse;width:100%;min-width:760px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eef0f3;white-space:nowrap}
th{font-size:12px;color:#5b6473;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.state{font-weight:600;padding:1px 8px;border-radius:10px;font-size:12px}
.s-up{background:#d9f5e1;color:#11652d}.s-ejected{background:#fde0dc;color:#a3211a}
.s-unhealthy{background:#fde0dc;color:#a3211a}.s-trial{background:#fff1cc;color:#7a5600}
.s-draining{background:#e3e8ff;color:#2c3f98}.s-failing{background:#fde0dc;color:#a3211a}
.why{color:#a3211a;font-size:12px;white-space:normal}
tr.changed td{animation:flash 6s ease-out}
tr.changed{outline:3px solid #f0a020;outline-offset:-3px}
@keyframes flash{0%{background:#ffd78a}100%{background:transparent}}
.sub{color:#5b6473;font-size:12px}svg{width:100%;height:auto;display:block;margin-top:8px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin-top:4px}.legend i{display:inline-block;
width:10px;height:10px;border-radius:2px;margin-right:4px}#error{color:#a3211a;padding:0 16px}
</style></head>
<body>
<header><h1>balancer</h1>
<span>version <b id="version">–</b></span><span>uptime <b id="uptime">–</b></span>
<span>config generation <b id="generation">–</b> <span class="sub" id="loaded"></span></span>
<span>clients <b id="clients">–</b></span><span>requests/s <b id="rps">–</b></span>
<span class="sub" id="updated"></span></header>
<div id="error"></div>
<main id="groups"></main>
<script>
"use strict";
const colors=["#2f6fde","#e0531f","#1f9d55","#9b3fd1","#c7a100","#0aa5b5","#d6336c","#555"];
const previous=new Map();
const changedUntil=new Map();
function esc(t){return String(t??"").replace(/[&<>"']/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]))}
function clock(iso){if(!iso)return"";const d=new Date(iso);return d.toLocaleTimeString([], {hour12:false})}
function num(v,d){return v==null?"–":Number(v).toFixed(d)}
function duration(s){s=Math.floor(s);const d=Math.floor(s/86400),h=Math.floor(s%86400/3600),m=Math.floor(s%3600/60);
return (d?d+"d ":"")+(d||h?h+"h ":"")+m+"m "+(s%60)+"s"}
// The state says whether the server takes traffic; the last attempt says whether that traffic got answers. An
// "up" server whose latest attempt failed (a group's only server is never ejected) shows as failing.
function stateCell(s){let text=s.state,cls=s.state,why="";
if(s.state==="ejected"){text="ejected until "+clock(s.ejected_until);why=s.ejection_reason||""}
else if(s.state==="unhealthy"){text="unhealthy by checks";why=s.ejection_reason||(s.last_check&&s.last_check.failure)||""}
else if((s.state==="up"||s.state==="trial")&&s.last_attempt==="failed"){cls="failing";text=s.state+" · failing";
why="last attempt "+clock(s.last_failure&&s.last_failure.time)+": "+((s.last_failure&&s.last_failure.reason)||"failed")+
(s.last_answer_at?" · last answer "+clock(s.last_answer_at):" · no answer yet")}
return '<span class="state s-'+esc(cls)+'">'+esc(text)+'</span>'+(why?'<div class="why">'+esc(why)+'</div>':"")}
// A round top for the scale (1, 2, 2.5 or 5 times a power of ten), so the grid lines read as plain numbers.
function niceMax(v){if(!(v>0))return 1;const e=Math.pow(10,Math.floor(Math.log10(v)));
for(const m of [1,2,2.5,5,10])if(m*e>=v-1e-9)return m*e;return 10*e}
// Requests per second per server: the 5-second intervals of the last 5 minutes, then "now", which is the req/s
// column itself, so each line ends on the figure printed beside it. Lines are drawn widest first and narrower on
// top, so servers with identical rates show as nested bands of every colour instead of one line.
function chart(servers){const w=1000,h=170,left=52,right=10,top=10,bottom=24,n=servers.length;
const series=servers.map(s=>s.history.requests_per_second.concat([s.requests_per_second||0]));
let peak=0;for(const p of series)for(const v of p)peak=Math.max(peak,v);
const max=niceMax(peak),plotH=h-top-bottom,step=(w-left-right)/60,y=v=>h-bottom-(v/max)*plotH;
let out='<svg viewBox="0 0 '+w+' '+h+'" role="img" aria-label="requests per second" data-max="'+max+'">';
for(const f of [0,0.5,1]){const v=max*f,yy=y(v).toFixed(1);
out+='<line x1="'+left+'" y1="'+yy+'" x2="'+(w-right)+'" y2="'+yy+'" stroke="'+(f?"#e3e6eb":"#b8bfca")+'"/>';
out+='<text x="'+(left-6)+'" y="'+(Number(yy)+4)+'" font-size="12" text-anchor="end" fill="#5b6473">'+
(+v.toFixed(2))+'/s</text>'}
out+='<text x="'+left+'" y="'+(h-6)+'" font-size="12" fill="#5b6473">−5 min</text>';
out+='<text x="'+(w-right)+'" y="'+(h-6)+'" font-size="12" text-anchor="end" fill="#5b6473">now</text>';
series.forEach((pts,i)=>{if(pts.length<2)return;const x0=w-right-step*(pts.length-1);
const p=pts.map((v,j)=>(x0+j*step).toFixed(1)+","+y(v).toFixed(1)).join(" ");
out+='<polyline fill="none" stroke-linejoin="round" stroke-linecap="round" stroke-width="'+(2+3*(n-1-i))+
'" stroke="'+colors[i%colors.length]+'" points="'+p+'"/>'});
return out+'</svg><div class="legend">'+servers.map((s,i)=>'<span><i style="background:'+colors[i%colors.length]+
'"></i>'+esc(s.address)+' '+num(s.requests_per_second,1)+'/s</span>').join("")+'</div>'}
function render(d){
document.getElementById("version").textContent=d.version;
document.getElementById("uptime").textContent=duration(d.uptime_seconds);
document.getElementById("generation").textContent=d.config.generation;
document.getElementById("loaded").textContent="loaded "+clock(d.config.loaded_at)+" · reloads "+
d.config.reloads_applied+" applied, "+d.config.reloads_refused+" refused";
document.getElementById("clients").textContent=d.connections.active;
document.getElementById("rps").textContent=num(d.requests.per_second,1);
document.getElementById("updated").textContent="updated "+clock(d.generated_at);
const now=Date.now();let html="";
for(const [name,group] of Object.entries(d.upstreams)){
html+='<section><h2>'+esc(name)+'</h2><table><thead><tr><th>server</th><th>state</th><th>in flight</th>'+
'<th>requests</th><th>req/s</th><th>failures</th><th>last failure</th><th>last check</th><th>p50 / p99</th></tr></thead><tbody>';
for(const s of group.servers){const key=name+"/"+s.address;
const shown=s.state+(s.last_attempt==="failed"?"/failing":"");
if(previous.has(key)&&previous.get(key)!==shown)changedUntil.set(key,now+6000);previous.set(key,shown);
const changed=(changedUntil.get(key)||0)>now;const c=s.last_check;
html+='<tr class="server'+(changed?" changed":"")+'" data-server="'+esc(key)+'" data-state="'+esc(s.state)+
'" data-last-attempt="'+esc(s.last_attempt||"")+'">'+
'<td>'+esc(s.address)+'<div class="sub">'+esc(s.instance_id||"")+'</div></td><td>'+stateCell(s)+'</td>'+
'<td class="num">'+s.active+'</td><td class="num">'+s.requests+'</td><td class="num">'+num(s.requests_per_second,1)+'</td>'+
'<td class="num">'+s.failures+'</td><td>'+(s.last_failure?esc(clock(s.last_failure.time))+'<div class="why">'+
esc(s.last_failure.reason)+'</div>':"–")+'</td><td>'+(c?esc(clock(c.time))+" · "+(c.passed?"pass":"fail")+" · "+
num(c.latency_ms,1)+' ms<div class="sub">'+esc(c.instance_id||c.failure||"")+'</div>':"–")+'</td>'+
'<td class="num">'+num(s.p50_ms,1)+' / '+num(s.p99_ms,1)+' ms</td></tr>'}
html+='</tbody></table>'+chart(group.servers)+'</section>'}
document.getElementById("groups").innerHTML=html}
async function refresh(){try{const r=await fetch("status.json",{cache:"no-store"});
if(!r.ok)throw new Error("status "+r.status);render(await r.json());document.getElementById("error").textContent=""}
catch(e){document.getElementById("error").textContent="cannot refresh: "+e.message}}
refresh();setInterval(refresh,2000);
</script></body></html>
"""#
}
